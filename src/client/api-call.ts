// A JSON call to one of Keyturn's `/v1/*` APIs with a bearer token (RFC 6750): the parsed body on 2xx,
// else a KeyturnApiError with Keyturn's error code, description and problems.
import { KeyturnApiError } from './errors.ts';

export interface ApiCall {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** `Accept-Language` for Keyturn's messages (`en`, `de`). */
  locale?: string;
}

interface ErrorBody {
  error?: unknown;
  error_description?: unknown;
  problems?: unknown;
}

export async function callApi<T>(issuer: string, token: string, call: ApiCall): Promise<T> {
  // Appended, not resolved: an issuer below a path (`https://example.com/keyturn`) keeps it.
  const url = new URL(`${issuer.replace(/\/+$/, '')}${call.path}`);
  for (const [name, value] of Object.entries(call.query ?? {}))
    if (value !== undefined) url.searchParams.set(name, String(value));
  const response = await fetch(url, {
    method: call.method,
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      ...(call.locale ? { 'accept-language': call.locale } : {}),
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const text = await response.text();
  const body = parseJson(text);
  if (response.ok) return body as T;
  const error = (body ?? {}) as ErrorBody;
  const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
  throw new KeyturnApiError(
    response.status,
    typeof error.error === 'string' ? error.error : `http_${response.status}`,
    typeof error.error_description === 'string' ? error.error_description : response.statusText,
    Array.isArray(error.problems) ? error.problems : [],
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
