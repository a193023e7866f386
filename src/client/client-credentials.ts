// An access token by the client credentials grant (RFC 6749 §4.4) for one scope, kept until shortly
// before it expires (or until Keyturn refuses it), so a run of calls asks for one token.
import * as oauth from 'openid-client';
import { KeyturnApiError } from './errors.ts';

/** A token this close to its expiry is renewed first, so it does not expire in flight. */
const renewalMarginMs = 30_000;

export interface TokenSource {
  token(): Promise<string>;
  /** Runs `call` with a token; once more with a fresh one if Keyturn answered 401. */
  withToken<T>(call: (token: string) => Promise<T>): Promise<T>;
}

export function clientCredentialsTokens(
  configuration: () => Promise<oauth.Configuration>,
  scope: string,
  now: () => number = Date.now,
): TokenSource {
  let cached: { value: string; expiresAt: number } | undefined;

  async function token(): Promise<string> {
    if (cached && cached.expiresAt - renewalMarginMs > now()) return cached.value;
    const answer = await oauth.clientCredentialsGrant(await configuration(), { scope });
    cached = {
      value: answer.access_token,
      expiresAt: now() + (answer.expires_in ?? 0) * 1000,
    };
    return answer.access_token;
  }

  return {
    token,
    async withToken(call) {
      try {
        return await call(await token());
      } catch (error) {
        if (!(error instanceof KeyturnApiError) || error.status !== 401) throw error;
        cached = undefined;
        return call(await token());
      }
    },
  };
}
