import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { approveClearance } from '../support/clearance.ts';
import { connectFapiApp, newKeyPair } from '../support/fapi.ts';
import type { Page } from '../support/http-browser.ts';
import { textOf } from '../support/http-browser.ts';
import { bmwVin, interactionBase, newBrowser, proveNewEmail, stepOf } from '../support/journey.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  startKeyturn,
  testRedirectUri,
} from '../support/keyturn.ts';
import { conformanceErrors, type OpenApiDocument } from '../support/openapi.ts';
import { introspect } from '../support/relay.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

/** A BMW VIN other than the one the journey helpers type. */
const requestedVin = 'WBA3A5C55DF598765';

const vehicleData = (fields: Record<string, unknown> = {}) => [
  {
    type: 'vehicle_data',
    data_points: ['mileage', 'battery_level'],
    brand: 'bmw',
    vin: requestedVin,
    ...fields,
  },
];

const grantedDetail = {
  type: 'vehicle_data',
  data_points: ['mileage', 'battery_level'],
  brand: 'bmw',
  vin: requestedVin,
};

interface Request {
  url: string;
  checks: { pkceCodeVerifier: string; expectedState: string };
}

describe('Rich Authorization Requests › vehicle_data', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let consumer: { client_id: string; client_secret: string };
  let owners = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
    consumer = await registerTestConsumer(keyturn);
  });
  afterAll(() => keyturn?.close());

  const statusOf = async (accessToken: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${keyturn.url}/v1/authorization`, {
      headers: { authorization: `Bearer ${accessToken}`, ...headers },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  /** An authorization request without a scope, asking for `details` (as JSON) and any other parameters. */
  async function detailRequest(
    details: unknown,
    parameters: Record<string, string> = {},
    on: oauth.Configuration = config,
  ): Promise<Request> {
    const verifier = oauth.randomPKCECodeVerifier();
    const state = oauth.randomState();
    const url = oauth.buildAuthorizationUrl(on, {
      redirect_uri: testRedirectUri,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      authorization_details: JSON.stringify(details),
      ...parameters,
    });
    return { url: url.href, checks: { pkceCodeVerifier: verifier, expectedState: state } };
  }

  /** From the authorization URL to the step after the owner proved a new address. */
  async function afterProof(url: string) {
    const browser = newBrowser();
    const landing = await browser.follow(url);
    expect(stepOf(landing), landing.html.slice(0, 400)).toBe('landing');
    const account = await browser.follow(`${interactionBase(landing)}/account`);
    owners += 1;
    const page = await proveNewEmail(browser, account, { email: `rar-owner${owners}@example.com` });
    return { browser, page };
  }

  const fixedVinOf = (page: Page) => /<dd class="vin">([^<]*)<\/dd>/.exec(page.html)?.[1];
  const dataPointsShown = (page: Page) => [...page.html.matchAll(/data-point="([a-z_]+)"/g)].map((m) => m[1]);

  /** Walks the journey of a request whose detail names BMW and `requestedVin`, and allows. */
  async function consent(url: string): Promise<URL> {
    const { browser, page } = await afterProof(url);
    expect(stepOf(page)).toBe('vin');
    expect(fixedVinOf(page)).toBe(requestedVin);
    const permissions = await browser.submit(page, {});
    expect(stepOf(permissions)).toBe('permissions');
    const done = await browser.submit(permissions, { decision: 'allow' });
    expect(done.url.startsWith(testRedirectUri)).toBe(true);
    return new URL(done.url);
  }

  /** The OAuth error a plain authorization request got: from the redirect to the app. */
  async function authorizationError(request: Request) {
    const response = await fetch(request.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    const location = response.headers.get('location');
    if (!location?.startsWith(testRedirectUri))
      throw new Error(`not redirected to the app: ${response.status}`);
    return Object.fromEntries(new URL(location).searchParams);
  }

  async function grantIdOf(accessToken: string) {
    const stored = await keyturn.authorizationServer.AccessToken.find(accessToken);
    if (!stored?.grantId) throw new Error('no grant behind the access token');
    return stored.grantId;
  }

  describe('discovery', () => {
    it('GET /.well-known/openid-configuration › advertises authorization_details_types_supported with vehicle_data', () => {
      expect(config.serverMetadata().authorization_details_types_supported).toContain('vehicle_data');
    });
  });

  describe('a default-profile app', () => {
    it('GET /auth › the detail presets brand and VIN, and the permissions step shows exactly its data points', async () => {
      const request = await detailRequest(vehicleData());
      const { browser, page } = await afterProof(request.url);
      expect(stepOf(page)).toBe('vin');
      expect(fixedVinOf(page)).toBe(requestedVin);
      const permissions = await browser.submit(page, {});
      expect(stepOf(permissions)).toBe('permissions');
      expect(dataPointsShown(permissions).sort()).toEqual(['battery_level', 'mileage']);
      expect(textOf(permissions.html)).toContain(requestedVin);
    });

    it('GET /auth › a detail with data points only walks the brand and VIN steps as usual', async () => {
      const request = await detailRequest([{ type: 'vehicle_data', data_points: ['location'] }]);
      const { browser, page } = await afterProof(request.url);
      expect(stepOf(page)).toBe('brand');
      const vin = await browser.submit(page, { brand: 'bmw' });
      expect(stepOf(vin)).toBe('vin');
      expect(fixedVinOf(vin)).toBeUndefined();
      const permissions = await browser.submit(vin, { vin: bmwVin });
      expect(dataPointsShown(permissions)).toEqual(['location']);
      const callback = new URL((await browser.submit(permissions, { decision: 'allow' })).url);
      const tokens = await oauth.authorizationCodeGrant(config, callback, request.checks);
      expect(tokens.authorization_details).toEqual([
        { type: 'vehicle_data', data_points: ['location'], brand: 'bmw', vin: bmwVin },
      ]);
    });

    it('POST /token › the token response carries the granted detail with brand and VIN; refreshing keeps it', async () => {
      const request = await detailRequest(vehicleData());
      const tokens = await oauth.authorizationCodeGrant(config, await consent(request.url), request.checks);
      expect(tokens.authorization_details).toEqual([grantedDetail]);
      expect(tokens.scope?.split(' ')).not.toContain('mileage');
      const clearance = await keyturn.repositories.clearances.findByGrantId(
        await grantIdOf(tokens.access_token),
      );
      // The clearance request to the maker relays the data points granted.
      expect(clearance?.scopes.sort()).toEqual(['battery_level', 'mileage']);
      expect(clearance).toMatchObject({ brand: 'bmw', vin: requestedVin });
      if (!tokens.refresh_token) throw new Error('no refresh token');
      const refreshed = await oauth.refreshTokenGrant(config, tokens.refresh_token);
      expect(refreshed.authorization_details).toEqual([grantedDetail]);
    });

    it('GET /v1/authorization and introspection › carry the detail with the authorization status; pending introspects as {"active":false}', async () => {
      const request = await detailRequest(vehicleData());
      const tokens = await oauth.authorizationCodeGrant(config, await consent(request.url), request.checks);
      const pending = await statusOf(tokens.access_token);
      expect(pending.status).toBe('pending');
      expect(pending.authorization_details).toEqual([{ ...grantedDetail, status: 'pending' }]);
      const document = (await (await fetch(`${keyturn.url}/openapi.json`)).json()) as OpenApiDocument;
      expect(conformanceErrors(document, 'GET', '/v1/authorization', 200, pending)).toEqual([]);
      expect(
        conformanceErrors(document, 'GET', '/v1/authorization', 200, {
          ...pending,
          authorization_details: [{ ...grantedDetail, status: 'pending', extra: true }],
        }),
      ).not.toEqual([]);
      expect(await introspect(keyturn.url, consumer, tokens.access_token)).toStrictEqual({ active: false });

      await approveClearance(keyturn, await grantIdOf(tokens.access_token));
      const approved = await statusOf(tokens.access_token);
      expect(approved.status).toBe('approved');
      expect(approved.authorization_details).toEqual([{ ...grantedDetail, status: 'approved' }]);
      const answer = await introspect(keyturn.url, consumer, tokens.access_token);
      expect(answer).toMatchObject({ active: true, authorization_status: 'approved', vin: requestedVin });
      expect(answer.authorization_details).toEqual([{ ...grantedDetail, status: 'approved' }]);
      if (!tokens.refresh_token) throw new Error('no refresh token');
      const byRefresh = await introspect(keyturn.url, consumer, tokens.refresh_token, 'refresh_token');
      expect(byRefresh.authorization_details).toEqual([{ ...grantedDetail, status: 'approved' }]);
    });

    it('POST /request › a pushed request with the detail completes the journey the same way', async () => {
      const verifier = oauth.randomPKCECodeVerifier();
      const state = oauth.randomState();
      const url = await oauth.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: testRedirectUri,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        authorization_details: JSON.stringify(vehicleData()),
      });
      const tokens = await oauth.authorizationCodeGrant(config, await consent(url.href), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      expect(tokens.authorization_details).toEqual([grantedDetail]);
    });

    it('an app using data-point scopes › gets no authorization_details anywhere', async () => {
      const request = await authorizationRequest(config, { brand: 'bmw', vin: requestedVin });
      const tokens = await oauth.authorizationCodeGrant(config, await consent(request.url), {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
      });
      expect(tokens).not.toHaveProperty('authorization_details');
      expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['location', 'mileage']));
      expect(await statusOf(tokens.access_token)).not.toHaveProperty('authorization_details');
      await approveClearance(keyturn, await grantIdOf(tokens.access_token));
      const answer = await introspect(keyturn.url, consumer, tokens.access_token);
      expect(answer.active).toBe(true);
      expect(answer).not.toHaveProperty('authorization_details');
    });
  });

  describe('refusals', () => {
    it.each([
      ['an unknown type', [{ type: 'payment_initiation', data_points: ['mileage'] }]],
      ['an unknown data point', vehicleData({ data_points: ['mileage', 'tyre_pressure'] })],
      ['a data point the app is not registered for', vehicleData({ data_points: ['lights'] })],
      ['a malformed VIN', vehicleData({ vin: 'WBAOE9G50GNT12345' })],
      ['a VIN of the wrong length', vehicleData({ vin: 'WBA3A5C55DF59876' })],
      ['an extra field', vehicleData({ actions: ['read'] })],
      ['a brand the app did not register', vehicleData({ brand: 'peugeot', vin: undefined })],
      ['an unknown brand', vehicleData({ brand: 'trabant', vin: undefined })],
      ['empty data points', vehicleData({ data_points: [] })],
      ['data points that are not an array', vehicleData({ data_points: 'mileage' })],
      ['a data point named twice', vehicleData({ data_points: ['mileage', 'mileage'] })],
      ['two vehicle_data details', [...vehicleData(), ...vehicleData({ vin: bmwVin })]],
      ['a detail that is not an object', ['vehicle_data']],
    ])('GET /auth › %s is refused with invalid_authorization_details', async (_, details) => {
      const answer = await authorizationError(await detailRequest(details));
      expect(answer.error).toBe('invalid_authorization_details');
      expect(answer.error_description).toEqual(expect.any(String));
      expect(answer.iss).toBe(keyturn.url);
    });

    it('GET /auth › a brand or vin parameter naming another vehicle than the detail is refused', async () => {
      const byBrand = await authorizationError(await detailRequest(vehicleData(), { brand: 'mini' }));
      expect(byBrand.error).toBe('invalid_authorization_details');
      const byVin = await authorizationError(await detailRequest(vehicleData(), { vin: bmwVin }));
      expect(byVin.error).toBe('invalid_authorization_details');
    });

    it('GET /auth › data points asked for both as scopes and in the detail are refused with invalid_request', async () => {
      const answer = await authorizationError(await detailRequest(vehicleData(), { scope: 'location' }));
      expect(answer.error).toBe('invalid_request');
    });

    it('GET /auth › a resource other than the one details are issued for is refused with invalid_target', async () => {
      const answer = await authorizationError(
        await detailRequest(vehicleData(), { resource: 'https://elsewhere.example/' }),
      );
      expect(answer.error).toBe('invalid_target');
    });

    it('GET /auth › authorization_details that are not JSON are refused', async () => {
      const request = await detailRequest([]);
      const broken = new URL(request.url);
      broken.searchParams.set('authorization_details', '[{"type":');
      const answer = await authorizationError({ ...request, url: broken.href });
      expect(answer.error).toBe('invalid_authorization_details');
    });

    it('POST /request › a pushed request with an unknown data point is refused with 400 invalid_authorization_details', async () => {
      const error = await oauth
        .buildAuthorizationUrlWithPAR(config, {
          redirect_uri: testRedirectUri,
          code_challenge: await oauth.calculatePKCECodeChallenge(oauth.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          state: 'state-1',
          authorization_details: JSON.stringify(vehicleData({ data_points: ['tyre_pressure'] })),
        })
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      expect(error).toBeInstanceOf(oauth.ResponseBodyError);
      expect((error as oauth.ResponseBodyError).status).toBe(400);
      expect((error as oauth.ResponseBodyError).error).toBe('invalid_authorization_details');
    });

    it('POST /token › authorization_details on a refresh request are refused', async () => {
      const request = await detailRequest(vehicleData());
      const tokens = await oauth.authorizationCodeGrant(config, await consent(request.url), request.checks);
      if (!tokens.refresh_token) throw new Error('no refresh token');
      const error = await oauth
        .refreshTokenGrant(config, tokens.refresh_token, {
          authorization_details: JSON.stringify(vehicleData({ data_points: ['mileage'] })),
        })
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      expect(error).toBeInstanceOf(oauth.ResponseBodyError);
      expect((error as oauth.ResponseBodyError).error).toBe('invalid_authorization_details');
    });
  });

  describe('a FAPI 2.0 app', () => {
    let fapi: oauth.Configuration;

    beforeAll(async () => {
      ({ config: fapi } = await connectFapiApp(keyturn, ['location', 'mileage', 'battery_level']));
    });

    it('PAR + private_key_jwt + DPoP › completes the journey and gets DPoP-bound tokens with the detail', async () => {
      const dpop = oauth.getDPoPHandle(fapi, await newKeyPair());
      const verifier = oauth.randomPKCECodeVerifier();
      const state = oauth.randomState();
      const url = await oauth.buildAuthorizationUrlWithPAR(
        fapi,
        {
          redirect_uri: testRedirectUri,
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          authorization_details: JSON.stringify(vehicleData()),
        },
        { DPoP: dpop },
      );
      const callback = await consent(url.href);
      const tokens = await oauth.authorizationCodeGrant(
        fapi,
        callback,
        { pkceCodeVerifier: verifier, expectedState: state },
        undefined,
        { DPoP: dpop },
      );
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      expect(tokens.authorization_details).toEqual([grantedDetail]);
      expect(await introspect(keyturn.url, consumer, tokens.access_token)).toStrictEqual({ active: false });

      await approveClearance(keyturn, await grantIdOf(tokens.access_token));
      const response = await oauth.fetchProtectedResource(
        fapi,
        tokens.access_token,
        new URL(`${keyturn.url}/v1/authorization`),
        'GET',
        undefined,
        undefined,
        { DPoP: dpop },
      );
      expect(response.status).toBe(200);
      expect(((await response.json()) as Record<string, unknown>).authorization_details).toEqual([
        { ...grantedDetail, status: 'approved' },
      ]);
      const answer = await introspect(keyturn.url, consumer, tokens.access_token);
      expect(answer).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: expect.any(String) } });
      expect(answer.authorization_details).toEqual([{ ...grantedDetail, status: 'approved' }]);
    });
  });
});
