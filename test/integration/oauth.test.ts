// The authorization server seen by its clients: an app (openid-client 6 as the relying party) and a data
// consumer. Discovery, code + PKCE, refresh rotation with reuse detection (RFC 6819 §5.2.2.3), RFC 7009
// revocation, RFC 7662 introspection restricted to consumers, and the refusals around them.
import { createHash } from 'node:crypto';
import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { approveClearance, changeClearance } from '../support/clearance.ts';
import { bmwVin, newBrowser, walkAsNewOwner } from '../support/journey.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  startKeyturn,
  testRedirectUri,
} from '../support/keyturn.ts';
import {
  type AuthorizationRequest,
  authorizationRequest,
  discover,
  redeem,
} from '../support/relying-party.ts';

describe('authorization server', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let consumer: oauth.Configuration;
  let consumerId: string;
  let owners = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
    const registered = await registerTestConsumer(keyturn);
    consumerId = registered.client_id;
    consumer = await oauth.discovery(
      new URL(keyturn.url),
      registered.client_id,
      undefined,
      oauth.ClientSecretBasic(registered.client_secret),
      { execute: [oauth.allowInsecureRequests] },
    );
  });
  afterAll(() => keyturn?.close());

  /** Walks the journey as a new owner and returns the redirect back to the app (code, state, iss). */
  async function consentTo(request: AuthorizationRequest): Promise<string> {
    owners += 1;
    const done = await walkAsNewOwner(newBrowser(), request.url, { email: `owner${owners}@example.com` });
    expect(done.url.startsWith(testRedirectUri)).toBe(true);
    return done.url;
  }

  /** A fresh pending grant: its tokens and grant id. */
  async function connect() {
    const request = await authorizationRequest(config);
    const callback = await consentTo(request);
    const tokens = await redeem(config, callback, request);
    const accessToken = await keyturn.authorizationServer.AccessToken.find(tokens.access_token);
    if (!accessToken?.grantId) throw new Error('no grant behind the access token');
    return { tokens, grantId: accessToken.grantId };
  }

  const statusOf = (accessToken: string) =>
    fetch(`${keyturn.url}/v1/authorization`, { headers: { authorization: `Bearer ${accessToken}` } });

  const endpoint = (name: 'authorization_endpoint' | 'token_endpoint' | 'introspection_endpoint') => {
    const value = config.serverMetadata()[name];
    if (typeof value !== 'string') throw new Error(`no ${name}`);
    return value;
  };

  /** A raw authorization request (no redirects followed); `undefined` drops a parameter. */
  async function authorize(overrides: Record<string, string | undefined> = {}) {
    const verifier = oauth.randomPKCECodeVerifier();
    const parameters: Record<string, string | undefined> = {
      client_id: app.client_id,
      redirect_uri: testRedirectUri,
      response_type: 'code',
      scope: 'location mileage',
      state: 'state-123',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...overrides,
    };
    const url = new URL(endpoint('authorization_endpoint'));
    for (const [key, value] of Object.entries(parameters))
      if (value !== undefined) url.searchParams.set(key, value);
    const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
    return { response, body: await response.text(), location: response.headers.get('location') };
  }

  function errorRedirect(location: string | null): URLSearchParams {
    expect(location, 'expected a redirect to the app').toBeTruthy();
    const target = new URL(location as string);
    expect(`${target.origin}${target.pathname}`).toBe(testRedirectUri);
    return target.searchParams;
  }

  function rawRedemption(code: string, verifier: string) {
    return fetch(endpoint('token_endpoint'), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: testRedirectUri,
        code_verifier: verifier,
      }),
    });
  }

  async function expectInvalidGrant(promise: Promise<unknown>) {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect((error as oauth.ResponseBodyError).error).toBe('invalid_grant');
  }

  describe('discovery', () => {
    it('GET /.well-known/openid-configuration › offers the code flow with S256 PKCE, refresh, client credentials (for fleets), revocation, introspection and iss', () => {
      const metadata = config.serverMetadata();
      expect(metadata.issuer).toBe(keyturn.url);
      expect(metadata.response_types_supported).toEqual(['code']);
      expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
      expect([...(metadata.grant_types_supported ?? [])].sort()).toEqual([
        'authorization_code',
        'client_credentials',
        'refresh_token',
      ]);
      expect(metadata.introspection_endpoint).toMatch(new RegExp(`^${keyturn.url}/`));
      expect(metadata.revocation_endpoint).toMatch(new RegExp(`^${keyturn.url}/`));
      expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    });
  });

  describe('tokens', () => {
    it('POST /token › exchanges a code and its PKCE verifier for an opaque access token and a refresh token', async () => {
      const request = await authorizationRequest(config);
      const callback = await consentTo(request);
      expect(new URL(callback).searchParams.get('iss')).toBe(keyturn.url);
      const tokens = await redeem(config, callback, request);
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect(tokens.access_token.split('.')).toHaveLength(1);
      expect(tokens.refresh_token).toBeTruthy();
      expect(tokens.scope?.split(' ').sort()).toEqual(['location', 'mileage', 'offline_access']);
      const status = await statusOf(tokens.access_token);
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ status: 'pending', vin: bmwVin, brand: 'bmw' });
    });

    it('POST /token › grants and reports offline_access with the refresh token, so a client may ask for its scope again on refresh', async () => {
      const request = await authorizationRequest(config, { scope: 'openid offline_access location' });
      const granted = await redeem(config, await consentTo(request), request);
      expect(granted.refresh_token).toBeTruthy();
      expect(granted.scope?.split(' ').sort()).toEqual(['location', 'offline_access', 'openid']);
      const refreshed = await oauth.refreshTokenGrant(config, granted.refresh_token as string, {
        scope: 'openid offline_access location',
      });
      expect(refreshed.scope?.split(' ').sort()).toEqual(['location', 'offline_access', 'openid']);
      expect(refreshed.refresh_token).toBeTruthy();
    });

    it('POST /token › rotates the refresh token; reusing the old one fails with invalid_grant and revokes the whole grant', async () => {
      const { tokens } = await connect();
      const refreshed = await oauth.refreshTokenGrant(config, tokens.refresh_token as string);
      expect(refreshed.refresh_token).toBeTruthy();
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      expect((await statusOf(refreshed.access_token)).status).toBe(200);

      await expectInvalidGrant(oauth.refreshTokenGrant(config, tokens.refresh_token as string));
      expect((await statusOf(refreshed.access_token)).status).toBe(401);
      expect((await statusOf(tokens.access_token)).status).toBe(401);
      await expectInvalidGrant(oauth.refreshTokenGrant(config, refreshed.refresh_token as string));
    });

    it('POST /token › stores the code and both tokens under the SHA-256 of their value, never the value itself', async () => {
      const request = await authorizationRequest(config);
      const callback = await consentTo(request);
      const code = new URL(callback).searchParams.get('code') as string;
      const tokens = await redeem(config, callback, request);
      const refreshToken = tokens.refresh_token as string;
      const rows = await keyturn.database
        .query()('oidc_payloads')
        .select<{ model: string; id: string; payload: string }[]>('model', 'id', 'payload');
      for (const value of [code, tokens.access_token, refreshToken]) {
        expect(rows.filter((row) => row.id.includes(value) || row.payload.includes(value))).toEqual([]);
      }
      const keyOf = (value: string) => createHash('sha256').update(value).digest('base64url');
      const stored = (model: string, value: string) =>
        rows.find((row) => row.model === model && row.id === keyOf(value));
      expect(stored('AuthorizationCode', code)).toBeDefined();
      expect(stored('AccessToken', tokens.access_token)).toBeDefined();
      expect(stored('RefreshToken', refreshToken)).toBeDefined();
      // Looked up by the value presented, the token is whole again.
      expect((await keyturn.authorizationServer.AccessToken.find(tokens.access_token))?.jti).toBe(
        tokens.access_token,
      );
      expect((await statusOf(tokens.access_token)).status).toBe(200);
    });

    it('POST /token/revocation › revokes an access token (RFC 7009); GET /v1/authorization then answers 401', async () => {
      const { tokens } = await connect();
      expect((await statusOf(tokens.access_token)).status).toBe(200);
      await oauth.tokenRevocation(config, tokens.access_token);
      expect((await statusOf(tokens.access_token)).status).toBe(401);
    });
  });

  describe('GET /v1/authorization', () => {
    it('GET /v1/authorization › answers 401 JSON with WWW-Authenticate: Bearer without a token', async () => {
      const response = await fetch(`${keyturn.url}/v1/authorization`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      expect(await response.json()).toMatchObject({ error: expect.any(String) });
    });

    it('GET /v1/authorization › answers 401 JSON with WWW-Authenticate: Bearer for a garbage token', async () => {
      const response = await statusOf('not-a-token-at-all');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    });
  });

  describe('introspection', () => {
    it('POST /token/introspection › refuses an unauthenticated caller with 401', async () => {
      const { tokens } = await connect();
      const response = await fetch(endpoint('introspection_endpoint'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.access_token }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    });

    it('POST /token/introspection › refuses a consumer with a wrong secret with 401', async () => {
      const { tokens } = await connect();
      const response = await fetch(endpoint('introspection_endpoint'), {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${consumerId}:wrong-secret`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: tokens.access_token }),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    });

    it('POST /token/introspection › tells a consumer exactly {"active":false} for a pending token', async () => {
      const { tokens } = await connect();
      expect(await oauth.tokenIntrospection(consumer, tokens.access_token)).toStrictEqual({ active: false });
    });

    it('POST /token/introspection › tells an app exactly {"active":false} even for its own approved token', async () => {
      const { tokens, grantId } = await connect();
      await approveClearance(keyturn, grantId);
      expect(await oauth.tokenIntrospection(config, tokens.access_token)).toStrictEqual({ active: false });
    });

    it('POST /token/introspection › tells a consumer exactly {"active":false} for an unknown token', async () => {
      expect(await oauth.tokenIntrospection(consumer, 'no-such-token')).toStrictEqual({ active: false });
    });

    it('POST /token/introspection › describes an approved token to a consumer: status, VIN, brand, scope, client, subject, expiry', async () => {
      const { tokens, grantId } = await connect();
      await approveClearance(keyturn, grantId);
      const answer = await oauth.tokenIntrospection(consumer, tokens.access_token);
      expect(answer).toMatchObject({
        active: true,
        authorization_status: 'approved',
        vehicle_status: 'pending_for_data',
        vin: bmwVin,
        brand: 'bmw',
        client_id: app.client_id,
        sub: expect.any(String),
        exp: expect.any(Number),
      });
      expect(answer.scope?.split(' ').sort()).toEqual(['location', 'mileage', 'offline_access']);
      expect(answer.exp as number).toBeGreaterThan(Date.now() / 1000);
    });

    it('POST /token/introspection › answers {"active":false} again once an approved clearance is revoked at the maker', async () => {
      const { tokens, grantId } = await connect();
      await approveClearance(keyturn, grantId);
      expect(await oauth.tokenIntrospection(consumer, tokens.access_token)).toMatchObject({ active: true });
      await changeClearance(keyturn, grantId, 'owner_revoked_at_oem');
      expect(await oauth.tokenIntrospection(consumer, tokens.access_token)).toStrictEqual({ active: false });
    });

    it('POST /token/introspection › answers {"active":false} for a clearance the owner rejected', async () => {
      const { tokens, grantId } = await connect();
      await changeClearance(keyturn, grantId, 'owner_rejected');
      expect(await oauth.tokenIntrospection(consumer, tokens.access_token)).toStrictEqual({ active: false });
      const status = await statusOf(tokens.access_token);
      expect(await status.json()).toMatchObject({ status: 'rejected', vehicle_status: 'error_rejected' });
    });
  });

  describe('refused authorization requests', () => {
    it('GET /auth › shows an error page (400) and does not redirect for an unregistered redirect_uri', async () => {
      const { response, body, location } = await authorize({ redirect_uri: 'http://127.0.0.1:9/elsewhere' });
      expect(response.status).toBe(400);
      expect(location).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(body).toContain('redirect_uri');
    });

    it('GET /auth › shows an error page and does not redirect when redirect_uri is missing, even with one registered', async () => {
      const { response, location } = await authorize({ redirect_uri: undefined });
      expect(response.status).toBe(400);
      expect(location).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
    });

    it.each([
      ['a trailing slash', `${testRedirectUri}/`],
      ['an added query', `${testRedirectUri}?next=1`],
    ])(
      'GET /auth › refuses a redirect_uri that differs by %s, without redirecting',
      async (_, redirectUri) => {
        const { response, location } = await authorize({ redirect_uri: redirectUri });
        expect(response.status).toBe(400);
        expect(location).toBeNull();
      },
    );

    it('GET /auth › redirects with error=invalid_request when code_challenge is missing', async () => {
      const { location } = await authorize({ code_challenge: undefined, code_challenge_method: undefined });
      const params = errorRedirect(location);
      expect(params.get('error')).toBe('invalid_request');
      expect(params.get('state')).toBe('state-123');
      expect(params.get('iss')).toBe(keyturn.url);
      expect(params.has('code')).toBe(false);
    });

    it('GET /auth › refuses code_challenge_method=plain', async () => {
      const { location } = await authorize({
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'plain',
      });
      const params = errorRedirect(location);
      expect(params.get('error')).toBe('invalid_request');
      expect(params.has('code')).toBe(false);
    });

    it.each([
      ['an unknown brand', 'tesla'],
      ['a brand not enabled for the app', 'peugeot'],
    ])('GET /auth › redirects with error=invalid_request and iss for %s', async (_, brand) => {
      const { location } = await authorize({ brand });
      const params = errorRedirect(location);
      expect(params.get('error')).toBe('invalid_request');
      expect(params.get('iss')).toBe(keyturn.url);
      expect(params.get('state')).toBe('state-123');
    });

    it('GET /auth › refuses response_type=token with unsupported_response_type (no implicit flow)', async () => {
      const { location } = await authorize({ response_type: 'token' });
      expect(location).toBeTruthy();
      const target = new URL(location as string);
      expect(`${target.origin}${target.pathname}`).toBe(testRedirectUri);
      // The error travels the way the refused response type would have (the fragment), and carries no token.
      const answer = new URLSearchParams(target.hash.slice(1));
      expect(answer.get('error')).toBe('unsupported_response_type');
      expect(answer.get('iss')).toBe(keyturn.url);
      expect(answer.has('access_token')).toBe(false);
      expect(answer.has('code')).toBe(false);
    });
  });

  describe('refused code redemptions', () => {
    it('POST /token › refuses a wrong code_verifier with invalid_grant', async () => {
      const request = await authorizationRequest(config);
      const callback = await consentTo(request);
      await expectInvalidGrant(
        redeem(config, callback, { ...request, verifier: oauth.randomPKCECodeVerifier() }),
      );
    });

    it('POST /token › refuses a second redemption of a code and revokes the first tokens', async () => {
      const request = await authorizationRequest(config);
      const callback = await consentTo(request);
      const tokens = await redeem(config, callback, request);
      expect((await statusOf(tokens.access_token)).status).toBe(200);
      await expectInvalidGrant(redeem(config, callback, request));
      expect((await statusOf(tokens.access_token)).status).toBe(401);
    });

    it('POST /token › lets exactly one of two parallel redemptions of one code succeed', async () => {
      const request = await authorizationRequest(config);
      const code = new URL(await consentTo(request)).searchParams.get('code') as string;
      const responses = await Promise.all([
        rawRedemption(code, request.verifier),
        rawRedemption(code, request.verifier),
      ]);
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 400]);
      const refused = responses.find((response) => response.status === 400) as Response;
      expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    });
  });
});
