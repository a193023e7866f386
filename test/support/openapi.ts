// Checks answers against Keyturn's OpenAPI 3.1.0 document (status documented, media type listed, JSON body
// valid per JSON Schema 2020-12 with ajv), remembering which were checked so a test can require them all.
import type { ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { expect } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: a test walks whatever JSON the document holds
export type OpenApiDocument = Record<string, any>;

const base = 'https://keyturn.test/openapi.json';
const validators = new WeakMap<OpenApiDocument, (schemaRef: string) => ValidateFunction>();
const checked = new Set<string>();

/**
 * A compiler of the document's schemas, each where it stands (so its refs resolve against the whole
 * document), in strict mode: a keyword JSON Schema 2020-12 does not know fails too.
 */
function validatorOf(document: OpenApiDocument): (schemaRef: string) => ValidateFunction {
  let validator = validators.get(document);
  if (!validator) {
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    formats.default(ajv);
    // The document's own fields (openapi, paths, components…) are no schema keywords: opaque to ajv.
    for (const field of Object.keys(document)) if (!ajv.getKeyword(field)) ajv.addKeyword(field);
    ajv.addSchema(document, base);
    const compiled = new Map<string, ValidateFunction>();
    validator = (schemaRef) => {
      let validate = compiled.get(schemaRef);
      if (!validate) {
        validate = ajv.compile({ $ref: schemaRef });
        compiled.set(schemaRef, validate);
      }
      return validate;
    };
    validators.set(document, validator);
  }
  return validator;
}

const escapeSegment = (segment: string) =>
  encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));

/** The object at `pointer` (segments), following an OpenAPI `$ref` that stands there. */
function resolve(document: OpenApiDocument, segments: string[]): { node: unknown; at: string[] } {
  // biome-ignore lint/suspicious/noExplicitAny: walking JSON
  let node: any = document;
  for (const segment of segments) node = node?.[segment];
  const target = node?.$ref;
  if (typeof target === 'string' && target.startsWith('#/'))
    return resolve(
      document,
      target
        .slice(2)
        .split('/')
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')),
    );
  return { node, at: segments };
}

/** The problems with a body of `schemaAt` (segments to a schema in the document); none when it conforms. */
function schemaErrors(document: OpenApiDocument, schemaAt: string[], body: unknown): string[] {
  const validate = validatorOf(document)(`${base}#/${schemaAt.map(escapeSegment).join('/')}`);
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
  );
}

/**
 * The response documented for `status`: its own, its range's (`4XX`), or `default`, which stands for the
 * unexpected errors only (5xx): a 4xx the document does not name is undocumented.
 */
function responseAt(document: OpenApiDocument, method: string, path: string, status: number) {
  const operation = ['paths', path, method.toLowerCase()];
  const responses = resolve(document, [...operation, 'responses']).node as
    | Record<string, unknown>
    | undefined;
  if (!responses) return undefined;
  const candidates = [String(status), `${String(status)[0]}XX`, ...(status >= 500 ? ['default'] : [])];
  const key = candidates.find((name) => name in responses);
  return key ? resolve(document, [...operation, 'responses', key]) : undefined;
}

/** Every way a JSON request body differs from the operation's request body schema; none when it conforms. */
export function requestErrors(
  document: OpenApiDocument,
  method: string,
  path: string,
  body: unknown,
): string[] {
  const requestBody = resolve(document, ['paths', path, method.toLowerCase(), 'requestBody']);
  if (!requestBody.node) return [`${method} ${path} takes no documented body`];
  return schemaErrors(document, [...requestBody.at, 'content', 'application/json', 'schema'], body);
}

/** Every way a response differs from the document; none when it conforms. */
export function conformanceErrors(
  document: OpenApiDocument,
  method: string,
  path: string,
  status: number,
  body: unknown,
  contentType = 'application/json',
): string[] {
  const response = responseAt(document, method, path, status);
  if (!response) return [`${method} ${path} ${status} is not documented`];
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const content = (response.node as { content?: Record<string, { schema?: unknown }> }).content ?? {};
  const media = content[mediaType];
  if (!media) return [`${method} ${path} ${status} does not list ${mediaType}`];
  if (!media.schema) return [`${method} ${path} ${status} ${mediaType} has no schema`];
  if (mediaType !== 'application/json') return [];
  return schemaErrors(document, [...response.at, 'content', mediaType, 'schema'], body);
}

/** Fails unless the response conforms to the document; records the operation as checked. */
export function expectConformance(
  document: OpenApiDocument,
  method: string,
  path: string,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  expect(
    conformanceErrors(document, method, path, status, body, contentType),
    `${method} ${path} ${status}`,
  ).toEqual([]);
  checked.add(`${method.toUpperCase()} ${path} ${status}`);
}

/** Every way a webhook's body differs from its request body schema; none when it conforms. */
export function webhookErrors(document: OpenApiDocument, name: string, body: unknown): string[] {
  const requestBody = resolve(document, ['webhooks', name, 'post', 'requestBody']);
  if (!requestBody.node) return [`webhook ${name} is not documented`];
  return schemaErrors(document, [...requestBody.at, 'content', 'application/json', 'schema'], body);
}

export function expectWebhookConformance(document: OpenApiDocument, name: string, body: unknown): void {
  expect(webhookErrors(document, name, body), `webhook ${name}`).toEqual([]);
  checked.add(`WEBHOOK ${name}`);
}

/** What was found conforming so far: `METHOD /path/{template} status`, and `WEBHOOK name`. */
export function checkedResponses(): ReadonlySet<string> {
  return checked;
}

/** The operations of the document: `[method, path template, operation]`. */
export function operationsOf(document: OpenApiDocument): [string, string, OpenApiDocument][] {
  return Object.entries(document.paths as Record<string, OpenApiDocument>).flatMap(([path, item]) =>
    ['get', 'put', 'post', 'delete', 'patch']
      .filter((method) => item[method])
      .map((method): [string, string, OpenApiDocument] => [method.toUpperCase(), path, item[method]]),
  );
}
