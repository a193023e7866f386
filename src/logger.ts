// Structured JSON logs (pino): one logger per process, children per component. A log line never holds a
// secret or an owner's personal data: fields that carry secrets are redacted by name, and the free text a
// line may carry (error messages and stacks, request paths) has email addresses, VINs and URL query values
// and credentials taken out, because an erased account's address or VIN must not survive in the logs.
import { type DestinationStream, type Logger, pino, stdSerializers } from 'pino';

export type { DestinationStream, Logger };

/** Names of fields holding secrets or personal data: redacted at the top, one level down and in headers. */
const privateFields = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'client_secret',
  'clientSecret',
  'token',
  'access_token',
  'refresh_token',
  'code_verifier',
  'secret',
  'webhook_secret',
  'webhookSecret',
  'webhook-signature',
  'apiKey',
  'api_key',
  'csrf',
  'email',
  'vin',
];

const redactedPaths = privateFields.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const nested = key.startsWith('[') ? key : `.${key}`;
  return [key, `*${nested}`, `*.headers${nested}`];
});

const emailAddress = /[^\s@"'<>()[\]{},;:/=?&]+(@|%40)[^\s@"'<>()[\]{},;:/=?&]+\.[a-z]{2,}/gi;
/** 17 characters of a VIN's alphabet (ISO 3779: no I, O, Q), with at least one digit and one letter. */
const vinShaped = /\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b/gi;
const urlWithQueryOrCredentials = /\b(https?:\/\/)([^\s/@"'<>]+@)?([^\s?#"'<>]*)(\?[^\s#"'<>]*)?/gi;

/** `text` without email addresses, VINs, and the values of URL queries and credentials. */
export function withoutPersonalData(text: string): string {
  return text
    .replace(
      urlWithQueryOrCredentials,
      (_url, scheme: string, _credentials, rest: string, query?: string) => {
        const keys = query
          ? `?${query
              .slice(1)
              .split('&')
              .map((pair) => pair.split('=')[0])
              .join('&')}`
          : '';
        return `${scheme}${rest}${keys}`;
      },
    )
    .replace(emailAddress, '[email]')
    .replace(vinShaped, '[vin]');
}

/** Every string inside `value` passed through `withoutPersonalData` (a serialized error is plain data). */
function scrubbed(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return withoutPersonalData(value);
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrubbed(item, seen));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubbed(item, seen)]));
}

/** Errors keep their type, message, code and stack; the text in them loses what no log may hold. */
function error(value: unknown): unknown {
  return scrubbed(value instanceof Error ? stdSerializers.err(value) : value);
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'keyturn' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: { err: error, error, path: scrubbed, url: scrubbed },
  };
  return destination ? pino(options, destination) : pino(options);
}
