// The app's side of the consent journey (RFC 6749 §4.1 with PKCE S256, RFC 7636): the authorization URL
// with a fresh state and code verifier, the code exchanged at the callback, and refreshing (§6).
import * as oauth from 'openid-client';
import { asAuthorizationError } from './oauth-errors.ts';
import type { Tokens, VehicleDataGrant, VehicleDataRequest } from './types.ts';

export interface AuthorizationUrlOptions {
  /** Data points, space-separated, e.g. `location mileage`; leave out when asking with `vehicleData`. */
  scope?: string;
  /** Ask for the data points as a `vehicle_data` authorization detail (RFC 9396) instead of as scopes. */
  vehicleData?: VehicleDataRequest;
  /** Skip the brand step: one of the brands enabled for the app. */
  brand?: string;
  /** The journey's language: `en` or `de`. */
  locale?: 'en' | 'de';
  /** Prefill the vehicle's VIN (the owner can still correct it). */
  vin?: string;
  /** Your own state; a random one when left out. */
  state?: string;
}

/** Keep `state` and `codeVerifier` (e.g. in the user's session) until the callback. */
export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier: string;
}

export interface PendingAuthorization {
  state: string;
  codeVerifier: string;
}

export async function buildAuthorizationRequest(
  configuration: oauth.Configuration,
  redirectUri: string,
  options: AuthorizationUrlOptions,
): Promise<AuthorizationRequest> {
  const codeVerifier = oauth.randomPKCECodeVerifier();
  const state = options.state ?? oauth.randomState();
  const optional = Object.fromEntries(
    (['brand', 'locale', 'vin'] as const).flatMap((name) =>
      options[name] === undefined ? [] : [[name, String(options[name])]],
    ),
  );
  const url = oauth.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri,
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    ...(options.vehicleData === undefined
      ? {}
      : { authorization_details: JSON.stringify([{ type: 'vehicle_data', ...options.vehicleData }]) }),
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    ...optional,
  });
  return { url: url.href, state, codeVerifier };
}

/**
 * The tokens for the code at `callbackUrl` (absolute, or the request's path and query); an `error` there
 * (e.g. `access_denied`) throws AuthorizationError.
 */
export async function exchangeCode(
  configuration: oauth.Configuration,
  redirectUri: string,
  callbackUrl: string | URL,
  pending: PendingAuthorization,
): Promise<Tokens> {
  const callback = new URL(callbackUrl, redirectUri);
  // The redirect URI Keyturn has registered is the one the code was issued for, whatever host the app runs on.
  const registered = new URL(redirectUri);
  registered.search = callback.search;
  const tokens = await asAuthorizationError(
    oauth.authorizationCodeGrant(configuration, registered, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
    }),
  );
  return tokensOf(tokens);
}

export async function refreshTokens(
  configuration: oauth.Configuration,
  refreshToken: string,
): Promise<Tokens> {
  return tokensOf(await asAuthorizationError(oauth.refreshTokenGrant(configuration, refreshToken)));
}

function tokensOf(answer: oauth.TokenEndpointResponse): Tokens {
  return {
    access_token: answer.access_token,
    token_type: answer.token_type,
    ...(answer.refresh_token === undefined ? {} : { refresh_token: answer.refresh_token }),
    ...(answer.expires_in === undefined ? {} : { expires_in: answer.expires_in }),
    ...(answer.scope === undefined ? {} : { scope: answer.scope }),
    ...(answer.authorization_details === undefined
      ? {}
      : { authorization_details: answer.authorization_details as unknown as VehicleDataGrant[] }),
  };
}
