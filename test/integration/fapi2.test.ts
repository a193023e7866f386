import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK } from 'jose';
import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp, RegisteredFapi2App } from '../../src/apps/register.ts';
import { approveClearance } from '../support/clearance.ts';
import { keyturnCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  connectFapiApp,
  dpopProof,
  type KeyPair,
  newKeyPair,
  publicJwks,
  thumbprintOf,
} from '../support/fapi.ts';
import { newBrowser, walkAsNewOwner } from '../support/journey.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  startKeyturn,
  testRedirectUri,
} from '../support/keyturn.ts';
import { introspect } from '../support/relay.ts';
import { discover } from '../support/relying-party.ts';

const insecure = { execute: [oauth.allowInsecureRequests] };

/** The OAuth error a refused request got: from the body, or from the 401's WWW-Authenticate challenge. */
function refusal(promise: Promise<unknown>): Promise<{ error?: unknown; error_description?: unknown }> {
  return promise.then(
    () => {
      throw new Error('expected the authorization server to refuse');
    },
    (thrown: unknown) => {
      if (thrown instanceof oauth.WWWAuthenticateChallengeError) {
        expect(thrown.status).toBe(401);
        return thrown.cause[0]?.parameters ?? { error: undefined };
      }
      expect(thrown).toBeInstanceOf(oauth.ResponseBodyError);
      return thrown as oauth.ResponseBodyError;
    },
  );
}

describe('FAPI 2.0 Security Profile', () => {
  let keyturn: RunningKeyturn;
  let fapiApp: RegisteredFapi2App;
  let clientKeys: KeyPair;
  let fapi: oauth.Configuration;
  let defaultApp: RegisteredApp;
  let plain: oauth.Configuration;
  let consumer: { client_id: string; client_secret: string };
  let owners = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    ({ app: fapiApp, config: fapi, clientKeys } = await connectFapiApp(keyturn, ['location', 'mileage']));
    defaultApp = await registerTestApp(keyturn);
    plain = await discover(keyturn.url, defaultApp);
    consumer = await registerTestConsumer(keyturn);
  });
  afterAll(() => keyturn?.close());

  const statusUrl = () => `${keyturn.url}/v1/authorization`;

  /** Pushes the authorization request (optionally bound to a DPoP key) and walks the journey. */
  async function consentWithPar(
    config: oauth.Configuration,
    dpop?: oauth.DPoPHandle,
    scope = 'location mileage',
  ) {
    const verifier = oauth.randomPKCECodeVerifier();
    const state = oauth.randomState();
    const url = await oauth.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: testRedirectUri,
        scope,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      },
      dpop ? { DPoP: dpop } : undefined,
    );
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    owners += 1;
    const done = await walkAsNewOwner(newBrowser(), url.href, { email: `fapi-owner${owners}@example.com` });
    expect(done.url.startsWith(testRedirectUri)).toBe(true);
    return { callback: new URL(done.url), checks: { pkceCodeVerifier: verifier, expectedState: state } };
  }

  /** A FAPI 2.0 app's whole flow: PAR, journey, redemption with DPoP. */
  async function connectFapi() {
    const dpopKeys = await newKeyPair();
    const dpop = oauth.getDPoPHandle(fapi, dpopKeys);
    const { callback, checks } = await consentWithPar(fapi, dpop);
    const tokens = await oauth.authorizationCodeGrant(fapi, callback, checks, undefined, { DPoP: dpop });
    const stored = await keyturn.authorizationServer.AccessToken.find(tokens.access_token);
    if (!stored?.grantId) throw new Error('no grant behind the access token');
    return { tokens, dpopKeys, dpop, grantId: stored.grantId };
  }

  const askStatus = (headers: Record<string, string>) => fetch(statusUrl(), { headers });

  describe('discovery', () => {
    it('GET /.well-known/openid-configuration › advertises PAR, DPoP with ES256 and private_key_jwt', () => {
      const metadata = fapi.serverMetadata();
      expect(metadata.pushed_authorization_request_endpoint).toMatch(new RegExp(`^${keyturn.url}/`));
      expect(metadata.require_pushed_authorization_requests).not.toBe(true);
      expect(metadata.dpop_signing_alg_values_supported).toContain('ES256');
      expect(metadata.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_basic', 'private_key_jwt']),
      );
      expect(metadata.token_endpoint_auth_signing_alg_values_supported).toEqual(
        expect.arrayContaining(['ES256', 'PS256']),
      );
      expect(metadata.token_endpoint_auth_signing_alg_values_supported).not.toContain('HS256');
    });
  });

  describe('a FAPI 2.0 app', () => {
    it('PAR + private_key_jwt + DPoP › completes the journey and gets DPoP-bound tokens', async () => {
      const { tokens, dpopKeys } = await connectFapi();
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      const stored = await keyturn.authorizationServer.AccessToken.find(tokens.access_token);
      expect(stored?.jkt).toBe(await thumbprintOf(dpopKeys));
    });

    it('GET /v1/authorization › answers a bound token presented as DPoP with a proof of its key (openid-client)', async () => {
      const { tokens, dpop } = await connectFapi();
      const response = await oauth.fetchProtectedResource(
        fapi,
        tokens.access_token,
        new URL(statusUrl()),
        'GET',
        undefined,
        undefined,
        { DPoP: dpop },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'pending',
        scope: expect.stringContaining('location'),
      });
    });

    it('POST /token › refresh needs a DPoP proof; the refresh token is not rotated and stays usable', async () => {
      const { tokens, dpop } = await connectFapi();
      const refreshToken = tokens.refresh_token;
      if (!refreshToken) throw new Error('no refresh token');
      const withoutProof = await refusal(oauth.refreshTokenGrant(fapi, refreshToken));
      expect(withoutProof.error).toBe('invalid_grant');
      const first = await oauth.refreshTokenGrant(fapi, refreshToken, undefined, { DPoP: dpop });
      expect(first.token_type.toLowerCase()).toBe('dpop');
      expect(first.refresh_token ?? refreshToken).toBe(refreshToken);
      const second = await oauth.refreshTokenGrant(fapi, refreshToken, undefined, { DPoP: dpop });
      expect(second.access_token).not.toBe(first.access_token);
    });

    it('GET /auth › a request that was not pushed is refused with invalid_request', async () => {
      const verifier = oauth.randomPKCECodeVerifier();
      const url = oauth.buildAuthorizationUrl(fapi, {
        redirect_uri: testRedirectUri,
        scope: 'location mileage',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'state-1',
      });
      const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
      const location = response.headers.get('location');
      const answer = location
        ? Object.fromEntries(new URL(location).searchParams)
        : { body: await response.text() };
      expect(answer).toMatchObject(
        location ? { error: 'invalid_request' } : { body: expect.stringContaining('invalid_request') },
      );
      expect(JSON.stringify(answer)).toContain('Pushed Authorization Request must be used');
    });

    it('POST /token › a code redemption without a DPoP proof is refused with invalid_grant; with one, the same code redeems', async () => {
      const { callback, checks } = await consentWithPar(fapi);
      const error = await refusal(oauth.authorizationCodeGrant(fapi, callback, checks));
      expect(error.error).toBe('invalid_grant');
      const dpop = oauth.getDPoPHandle(fapi, await newKeyPair());
      const tokens = await oauth.authorizationCodeGrant(fapi, callback, checks, undefined, { DPoP: dpop });
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
    });

    it('POST /par › a client secret instead of a signed assertion is refused with invalid_client', async () => {
      const withSecret = await oauth.discovery(
        new URL(keyturn.url),
        fapiApp.client_id,
        undefined,
        oauth.ClientSecretBasic('a-secret-it-was-never-given'),
        insecure,
      );
      const error = await refusal(
        oauth.buildAuthorizationUrlWithPAR(withSecret, {
          redirect_uri: testRedirectUri,
          scope: 'location',
          code_challenge: await oauth.calculatePKCECodeChallenge(oauth.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        }),
      );
      expect(error.error).toBe('invalid_client');
    });

    it('POST /par › an assertion signed by a key the app did not register is refused with invalid_client', async () => {
      const otherKeys = await newKeyPair();
      const impostor = await oauth.discovery(
        new URL(keyturn.url),
        fapiApp.client_id,
        undefined,
        oauth.PrivateKeyJwt({ key: otherKeys.privateKey, kid: 'client-key-1' }),
        insecure,
      );
      const error = await refusal(
        oauth.buildAuthorizationUrlWithPAR(impostor, {
          redirect_uri: testRedirectUri,
          scope: 'location',
          code_challenge: await oauth.calculatePKCECodeChallenge(oauth.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        }),
      );
      expect(error.error).toBe('invalid_client');
    });
  });

  describe('GET /v1/authorization with a DPoP-bound token', () => {
    let bound: Awaited<ReturnType<typeof connectFapi>>;
    beforeAll(async () => {
      bound = await connectFapi();
    });

    it('GET /v1/authorization › a proof made by hand with the bound key is accepted', async () => {
      const token = bound.tokens.access_token;
      const response = await askStatus({
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(bound.dpopKeys, 'GET', statusUrl(), token),
      });
      expect(response.status).toBe(200);
    });

    it('GET /v1/authorization › a proof signed by another key → 401 invalid_dpop_proof', async () => {
      const token = bound.tokens.access_token;
      const response = await askStatus({
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(await newKeyPair(), 'GET', statusUrl(), token),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
      expect(await response.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    });

    it('GET /v1/authorization › a replayed proof → 401 invalid_dpop_proof', async () => {
      const token = bound.tokens.access_token;
      const proof = await dpopProof(bound.dpopKeys, 'GET', statusUrl(), token);
      const first = await askStatus({ authorization: `DPoP ${token}`, dpop: proof });
      expect(first.status).toBe(200);
      const again = await askStatus({ authorization: `DPoP ${token}`, dpop: proof });
      expect(again.status).toBe(401);
      expect(await again.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    });

    it('GET /v1/authorization › the bound token as Bearer → 401 invalid_token with a DPoP challenge', async () => {
      const response = await askStatus({ authorization: `Bearer ${bound.tokens.access_token}` });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    });

    it('GET /v1/authorization › without a proof → 401 invalid_dpop_proof', async () => {
      const response = await askStatus({ authorization: `DPoP ${bound.tokens.access_token}` });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    });

    it('GET /v1/authorization › a proof for another method, another URL, another token or an old iat → 401 invalid_dpop_proof, in German when asked', async () => {
      const token = bound.tokens.access_token;
      const wrongProofs = [
        await dpopProof(bound.dpopKeys, 'POST', statusUrl(), token),
        await dpopProof(bound.dpopKeys, 'GET', `${keyturn.url}/v1/other`, token),
        await dpopProof(bound.dpopKeys, 'GET', statusUrl(), 'another-token'),
        await dpopProof(bound.dpopKeys, 'GET', statusUrl(), token, {
          iat: Math.floor(Date.now() / 1000) - 600,
        }),
      ];
      for (const proof of wrongProofs) {
        const response = await askStatus({
          authorization: `DPoP ${token}`,
          dpop: proof,
          'accept-language': 'de',
        });
        expect(response.status).toBe(401);
        const body = (await response.json()) as { error: string; error_description: string };
        expect(body.error).toBe('invalid_dpop_proof');
        expect(body.error_description).toMatch(/DPoP-Nachweis/);
      }
    });
  });

  describe('the app management API with a DPoP-bound client-credentials token', () => {
    let dpopKeys: KeyPair;
    let token: string;
    const clearancesUrl = () => `${keyturn.url}/v1/clearances`;
    const askClearances = (headers: Record<string, string>) => fetch(clearancesUrl(), { headers });

    beforeAll(async () => {
      dpopKeys = await newKeyPair();
      const tokens = await oauth.clientCredentialsGrant(
        fapi,
        { scope: 'management' },
        { DPoP: oauth.getDPoPHandle(fapi, dpopKeys) },
      );
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      token = tokens.access_token;
    });

    it('GET /v1/clearances › the bound token as DPoP with a proof of its key is accepted', async () => {
      const response = await askClearances({
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(dpopKeys, 'GET', clearancesUrl(), token),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ clearances: expect.any(Array) });
    });

    it('GET /v1/clearances › the bound token as Bearer → 401 invalid_token with a DPoP challenge', async () => {
      const response = await askClearances({ authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    });

    it('GET /v1/clearances › a proof of another key, or a replayed one → 401 invalid_dpop_proof, in German when asked', async () => {
      const foreign = await askClearances({
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(await newKeyPair(), 'GET', clearancesUrl(), token),
        'accept-language': 'de',
      });
      expect(foreign.status).toBe(401);
      const body = (await foreign.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_dpop_proof');
      expect(body.error_description).toMatch(/DPoP-Nachweis/);

      const proof = await dpopProof(dpopKeys, 'GET', clearancesUrl(), token);
      expect((await askClearances({ authorization: `DPoP ${token}`, dpop: proof })).status).toBe(200);
      const replayed = await askClearances({ authorization: `DPoP ${token}`, dpop: proof });
      expect(replayed.status).toBe(401);
      expect(await replayed.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    });

    it('GET /v1/clearances › a default-profile app’s unbound token sent as DPoP → 401 invalid_token', async () => {
      const plainToken = await oauth.clientCredentialsGrant(plain, { scope: 'management' });
      expect(plainToken.token_type.toLowerCase()).toBe('bearer');
      const asDpop = await askClearances({ authorization: `DPoP ${plainToken.access_token}` });
      expect(asDpop.status).toBe(401);
      expect(await asDpop.json()).toMatchObject({ error: 'invalid_token' });
      const asBearer = await askClearances({ authorization: `Bearer ${plainToken.access_token}` });
      expect(asBearer.status).toBe(200);
    });
  });

  describe('POST /token/introspection', () => {
    it('POST /token/introspection › an approved DPoP-bound token is active with token_type DPoP and cnf.jkt of its key', async () => {
      const { tokens, dpopKeys, grantId } = await connectFapi();
      await approveClearance(keyturn, grantId);
      const answer = await introspect(keyturn.url, consumer, tokens.access_token);
      expect(answer).toMatchObject({
        active: true,
        client_id: fapiApp.client_id,
        token_type: 'DPoP',
        cnf: { jkt: await thumbprintOf(dpopKeys) },
      });
    });

    it('POST /token/introspection › a pending DPoP-bound token is exactly {"active":false}', async () => {
      const { tokens } = await connectFapi();
      expect(await introspect(keyturn.url, consumer, tokens.access_token)).toStrictEqual({ active: false });
    });
  });

  describe('ID tokens (scope openid)', () => {
    const algOf = (jwt: string) =>
      (JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as { alg?: string }).alg;

    it('GET /.well-known/openid-configuration › advertises PS256 for ID tokens, and the key to check them', async () => {
      expect(fapi.serverMetadata().id_token_signing_alg_values_supported).toEqual(
        expect.arrayContaining(['PS256', 'RS256']),
      );
      const jwks = (await (await fetch(`${keyturn.url}/jwks`)).json()) as {
        keys: { alg?: string; d?: unknown }[];
      };
      expect(jwks.keys.map((key) => key.alg)).toEqual(expect.arrayContaining(['PS256', 'RS256']));
      expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
    });

    it('POST /token › a FAPI 2.0 app asking for openid gets an ID token signed PS256, which openid-client verifies', async () => {
      // The app declares the algorithm it expects and checks the signature against /jwks.
      const relyingParty = await oauth.discovery(
        new URL(keyturn.url),
        fapiApp.client_id,
        { id_token_signed_response_alg: 'PS256' },
        oauth.PrivateKeyJwt({ key: clientKeys.privateKey, kid: 'client-key-1' }),
        { execute: [oauth.allowInsecureRequests, oauth.enableNonRepudiationChecks] },
      );
      const dpop = oauth.getDPoPHandle(relyingParty, await newKeyPair());
      const { callback, checks } = await consentWithPar(relyingParty, dpop, 'openid location mileage');
      const tokens = await oauth.authorizationCodeGrant(relyingParty, callback, checks, undefined, {
        DPoP: dpop,
      });
      if (!tokens.id_token) throw new Error('no ID token');
      expect(algOf(tokens.id_token)).toBe('PS256');
      expect(tokens.claims()).toMatchObject({ iss: keyturn.url, aud: fapiApp.client_id });
    });

    it('POST /token › a default-profile app asking for openid still gets an ID token signed RS256', async () => {
      const relyingParty = await oauth.discovery(
        new URL(keyturn.url),
        defaultApp.client_id,
        { id_token_signed_response_alg: 'RS256' },
        oauth.ClientSecretBasic(defaultApp.client_secret),
        { execute: [oauth.allowInsecureRequests, oauth.enableNonRepudiationChecks] },
      );
      const { callback, checks } = await consentWithPar(relyingParty, undefined, 'openid location');
      const tokens = await oauth.authorizationCodeGrant(relyingParty, callback, checks);
      if (!tokens.id_token) throw new Error('no ID token');
      expect(algOf(tokens.id_token)).toBe('RS256');
      expect(tokens.claims()).toMatchObject({ iss: keyturn.url, aud: defaultApp.client_id });
    });
  });

  describe('a default-profile app', () => {
    it('client secret, front-channel request, no DPoP › gets a Bearer token answered at GET /v1/authorization and introspected without cnf', async () => {
      const verifier = oauth.randomPKCECodeVerifier();
      const state = oauth.randomState();
      const url = oauth.buildAuthorizationUrl(plain, {
        redirect_uri: testRedirectUri,
        scope: 'location mileage',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      owners += 1;
      const done = await walkAsNewOwner(newBrowser(), url.href, {
        email: `plain-owner${owners}@example.com`,
      });
      const tokens = await oauth.authorizationCodeGrant(plain, new URL(done.url), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect((await askStatus({ authorization: `Bearer ${tokens.access_token}` })).status).toBe(200);
      expect((await askStatus({ authorization: `DPoP ${tokens.access_token}` })).status).toBe(401);
      const stored = await keyturn.authorizationServer.AccessToken.find(tokens.access_token);
      if (!stored?.grantId) throw new Error('no grant behind the access token');
      await approveClearance(keyturn, stored.grantId);
      const answer = await introspect(keyturn.url, consumer, tokens.access_token);
      expect(answer).toMatchObject({ active: true, token_type: 'Bearer' });
      expect(answer).not.toHaveProperty('cnf');
    });

    it('PAR and DPoP by choice › its token is bound and needs the proof at GET /v1/authorization', async () => {
      const dpopKeys = await newKeyPair();
      const dpop = oauth.getDPoPHandle(plain, dpopKeys);
      const { callback, checks } = await consentWithPar(plain, dpop);
      const tokens = await oauth.authorizationCodeGrant(plain, callback, checks, undefined, { DPoP: dpop });
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      const token = tokens.access_token;
      expect((await askStatus({ authorization: `Bearer ${token}` })).status).toBe(401);
      const proved = await askStatus({
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(dpopKeys, 'GET', statusUrl(), token),
      });
      expect(proved.status).toBe(200);
    });
  });
});

describe('keyturn apps add --profile fapi2 --jwks', () => {
  let database: TestDatabase;
  let keyturn: RunningKeyturn;
  let folder: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    keyturn = await startKeyturn({}, database);
    folder = mkdtempSync(join(tmpdir(), 'keyturn-jwks-'));
  });
  afterAll(async () => {
    await keyturn?.close();
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  const addApp = (...extra: string[]) => [
    'apps',
    'add',
    '--name',
    'Fleet Insights',
    '--redirect-uri',
    'https://insights.example/callback',
    '--brand',
    'bmw',
    '--scope',
    'location',
    ...extra,
  ];

  function jwksFile(name: string, jwks: unknown): string {
    const path = join(folder, name);
    writeFileSync(path, JSON.stringify(jwks));
    return path;
  }

  it('keyturn apps add --profile fapi2 --jwks FILE › stores the profile and the public keys; no client secret is printed', async () => {
    const jwks = await publicJwks(await newKeyPair(), 'k1');
    const added = await keyturnCli(
      database,
      addApp('--profile', 'fapi2', '--jwks', jwksFile('good.json', jwks)),
    );
    expect(added.code, added.stderr).toBe(0);
    const printed = JSON.parse(added.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({ security_profile: 'fapi2' });
    expect(printed).not.toHaveProperty('client_secret');
    const stored = await keyturn.repositories.apps.find(printed.client_id as string);
    expect(stored).toMatchObject({ securityProfile: 'fapi2', jwks });
    const listed = JSON.parse((await keyturnCli(database, ['apps', 'list'])).stdout) as Record<
      string,
      unknown
    >[];
    expect(listed.find((app) => app.client_id === printed.client_id)).toMatchObject({
      security_profile: 'fapi2',
    });
  });

  it('keyturn apps add › without --profile, the app has the default profile and a client secret', async () => {
    const added = await keyturnCli(database, addApp());
    expect(added.code, added.stderr).toBe(0);
    const printed = JSON.parse(added.stdout) as { client_id: string; client_secret: string };
    expect(printed.client_secret).toBeTruthy();
    expect(await keyturn.repositories.apps.find(printed.client_id)).toMatchObject({
      securityProfile: 'default',
      jwks: null,
    });
  });

  it('keyturn apps add --profile fapi2 › a private key given by mistake is refused, nothing is stored', async () => {
    const keys = await newKeyPair();
    const privateJwk = { ...(await exportJWK(keys.privateKey)), kid: 'k1' };
    expect(privateJwk).toHaveProperty('d');
    const before = await keyturn.repositories.apps.list();
    const added = await keyturnCli(
      database,
      addApp('--profile', 'fapi2', '--jwks', jwksFile('private.json', { keys: [privateJwk] })),
    );
    expect(added.code).not.toBe(0);
    expect(added.stderr).toContain('private');
    expect(added.stderr).toContain('public key');
    expect(await keyturn.repositories.apps.list()).toHaveLength(before.length);
  });

  it('keyturn apps add --profile fapi2 › a missing --jwks file, a missing --jwks and an unknown profile are each refused', async () => {
    const before = await keyturn.repositories.apps.list();
    const missingFile = join(folder, 'no-such-file.json');
    const runs = [
      {
        args: addApp('--profile', 'fapi2', '--jwks', missingFile),
        says: `--jwks file ${missingFile} cannot be read`,
      },
      { args: addApp('--profile', 'fapi2'), says: '--profile fapi2 needs --jwks FILE' },
      { args: addApp('--profile', 'strict'), says: 'unknown --profile strict' },
      {
        args: addApp('--jwks', jwksFile('stray.json', { keys: [] })),
        says: '--jwks is only for --profile fapi2',
      },
    ];
    const results = await Promise.all(runs.map((run) => keyturnCli(database, run.args)));
    for (const [index, added] of results.entries()) {
      expect(added.code, runs[index]?.says).not.toBe(0);
      expect(added.stderr).toContain(runs[index]?.says);
    }
    expect(await keyturn.repositories.apps.list()).toHaveLength(before.length);
  }, 90_000);

  it('keyturn apps add --profile fapi2 › keys of kinds FAPI 2.0 does not allow (RS256, P-384, encryption use, a shared secret) are refused, each named', async () => {
    const p384 = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ])) as KeyPair;
    const good = (await publicJwks(await newKeyPair(), 'k1')).keys[0];
    const cases: { key: Record<string, unknown>; says: string }[] = [
      { key: { ...good, alg: 'RS256' }, says: 'has algorithm RS256' },
      { key: { ...(await exportJWK(p384.publicKey)), kid: 'k2' }, says: 'must use the curve P-256' },
      { key: { ...good, use: 'enc' }, says: 'must be a signing key' },
      { key: { kty: 'oct', k: 'c2VjcmV0' }, says: 'is a private or secret key' },
    ];
    const file = jwksFile('bad.json', { keys: cases.map(({ key }) => key) });
    const added = await keyturnCli(database, addApp('--profile', 'fapi2', '--jwks', file));
    expect(added.code).not.toBe(0);
    for (const [index, { says }] of cases.entries())
      expect(added.stderr).toContain(`key ${index + 1} ${says}`);
  });
});
