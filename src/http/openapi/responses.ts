// Builders of OpenAPI 3.1.0 media types and responses shared by the operations, and the reusable responses
// every `/v1/*` operation can give (`components.responses`).
import type { Example } from './examples.ts';
import { examples } from './examples.ts';
import { type Json, ref } from './schemas.ts';

/** Examples under names made of their summaries (`Not a vehicle of this fleet` → `not_a_vehicle_of_this_fleet`). */
const named = (list: Example[]) =>
  Object.fromEntries(
    list.map((example) => [
      example.summary
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_|_$/g, ''),
      example,
    ]),
  );

/** A JSON body of the named schema, with its examples. */
export const json = (schema: string, ...list: Example[]): Json => ({
  'application/json': { schema: ref(schema), ...(list.length > 0 ? { examples: named(list) } : {}) },
});

export const jsonResponse = (description: string, schema: string, ...list: Example[]): Json => ({
  description,
  content: json(schema, ...list),
});

/** An error response: the `Error` body, with an example of each code it can carry. */
export const errorResponse = (description: string, ...list: Example[]): Json =>
  jsonResponse(description, 'Error', ...list);

const noStore = {
  description: 'Errors are never cached.',
  schema: { type: 'string', const: 'no-store' },
};

export const responseRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

export const sharedResponses: Record<string, Json> = {
  Unauthorized: {
    ...errorResponse('No token, or one that is expired, revoked or not for this API.', examples.unauthorized),
    headers: {
      'WWW-Authenticate': { description: 'The scheme to use.', schema: { type: 'string', const: 'Bearer' } },
      'Cache-Control': noStore,
    },
  },
  Unexpected: {
    ...errorResponse(
      'Keyturn could not answer: `server_error` (500), or `database_unavailable` / `busy` (503, with `Retry-After`): send the request again in a moment.',
    ),
    headers: {
      'Retry-After': { description: 'Seconds to wait (503).', schema: { type: 'integer', minimum: 0 } },
    },
  },
};

/** The responses every authenticated operation can give besides its own. */
export const authenticatedResponses = {
  '401': responseRef('Unauthorized'),
  default: responseRef('Unexpected'),
};

/** An operation of a client-credentials API: tagged, secured, with the answers every such call can get. */
export const operationOf =
  (tag: string, security: Json[]) =>
  (operationId: string, summary: string, description: string, rest: Json): Json => ({
    operationId,
    summary,
    description,
    tags: [tag],
    security,
    ...rest,
    responses: { ...(rest.responses as Json), ...authenticatedResponses },
  });

/** An optional query parameter. */
export const queryParameter = (name: string, description: string, schema: Json): Json => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
