// The third-party app's side of the flow, played by openid-client 6 (a real relying party).
import * as oauth from 'openid-client';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { testRedirectUri } from './keyturn.ts';

export interface AuthorizationRequest {
  url: string;
  verifier: string;
  state: string;
}

export async function discover(issuer: string, app: RegisteredApp): Promise<oauth.Configuration> {
  return oauth.discovery(
    new URL(issuer),
    app.client_id,
    undefined,
    oauth.ClientSecretBasic(app.client_secret),
    {
      execute: [oauth.allowInsecureRequests],
    },
  );
}

export async function authorizationRequest(
  config: oauth.Configuration,
  parameters: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = oauth.randomPKCECodeVerifier();
  const state = oauth.randomState();
  const url = oauth.buildAuthorizationUrl(config, {
    redirect_uri: testRedirectUri,
    scope: 'location mileage',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...parameters,
  });
  return { url: url.href, verifier, state };
}

export function redeem(config: oauth.Configuration, callbackUrl: string, request: AuthorizationRequest) {
  return oauth.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
  });
}

export const isRedirectUri = (url: URL) => url.href.startsWith(testRedirectUri);
