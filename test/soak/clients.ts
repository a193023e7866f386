// The soak's clients of Keyturn over real HTTP, each call timed and every failure thrown as a
// RequestFailure: the app (authorization code + PKCE, refresh, GET /v1/authorization) and the data
// consumer (RFC 7662 introspection). A failure is a network error, a timeout, or a status other than the
// one success answers with.
import { basicAuth, benchRedirectUri, type ClientCredentials } from '../bench/flows.ts';
import { type InstanceName, type Operation, RequestFailure } from './ledger.ts';

export interface Instance {
  name: InstanceName;
  url: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string | undefined;
}

const requestTimeoutMs = 30_000;

/** Why a fetch threw, in a few words (undici's "fetch failed" says little without its cause). */
export function networkFailure(error: unknown): string {
  const thrown = error as Error & { cause?: { code?: string; message?: string } };
  if (thrown.name === 'TimeoutError') return `no answer within ${requestTimeoutMs} ms`;
  const cause = thrown.cause?.code ?? thrown.cause?.message;
  return cause ? `${thrown.message}: ${cause}` : thrown.message;
}

export function retryAfterMs(headers: Headers): number | undefined {
  const seconds = Number(headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** One request; resolves with the parsed JSON body when the status is `expected`. */
async function call<T>(
  operation: Operation,
  instance: Instance,
  path: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  expected = 200,
): Promise<T> {
  const startedAt = Date.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(new URL(path, instance.url), {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    text = await response.text();
  } catch (error) {
    throw new RequestFailure(operation, instance.name, startedAt, networkFailure(error));
  }
  if (response.status !== expected) {
    const error = /"error":"([^"]+)"/.exec(text)?.[1] ?? text.slice(0, 80);
    throw new RequestFailure(
      operation,
      instance.name,
      startedAt,
      `HTTP ${response.status} ${init.method} ${path} ${error}`.trim(),
      retryAfterMs(response.headers),
    );
  }
  return JSON.parse(text) as T;
}

const form = (app: ClientCredentials, fields: Record<string, string>) => ({
  method: 'POST',
  headers: { authorization: basicAuth(app), 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
}

const tokensOf = (body: TokenResponse, previous?: Tokens): Tokens => ({
  accessToken: body.access_token,
  refreshToken: body.refresh_token ?? previous?.refreshToken,
});

/** RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5). */
export async function redeemCode(
  instance: Instance,
  app: ClientCredentials,
  code: string,
  verifier: string,
): Promise<Tokens> {
  const body = await call<TokenResponse>(
    'exchange',
    instance,
    '/token',
    form(app, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: benchRedirectUri,
      code_verifier: verifier,
    }),
  );
  return tokensOf(body);
}

/** RFC 6749 §6; a rotated refresh token replaces the one used. */
export async function refresh(instance: Instance, app: ClientCredentials, tokens: Tokens): Promise<Tokens> {
  if (!tokens.refreshToken) throw new Error('no refresh token was issued');
  const body = await call<TokenResponse>(
    'refresh',
    instance,
    '/token',
    form(app, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken }),
  );
  return tokensOf(body, tokens);
}

/** RFC 7662 §2.1, as a data consumer asks. */
export async function introspect(
  instance: Instance,
  consumer: ClientCredentials,
  accessToken: string,
): Promise<{ active: boolean; vin?: string }> {
  return call(
    'introspection',
    instance,
    '/token/introspection',
    form(consumer, { token: accessToken, token_type_hint: 'access_token' }),
  );
}

export interface AuthorizationView {
  status: string;
  vehicle_status: string;
  vin: string;
}

/** The app's own view of its token's authorization (RFC 6750 bearer). */
export async function authorizationOf(instance: Instance, accessToken: string): Promise<AuthorizationView> {
  return call('authorization', instance, '/v1/authorization', {
    method: 'GET',
    headers: { authorization: `Bearer ${accessToken}` },
  });
}
