// The `keyturn/client` library against a real Keyturn and the OEM simulator over HTTP: an app's consent
// journey, its status, the maker's approval, a signed webhook verified and parsed, a data consumer's
// introspection, the app management API and the fleet API, each answer checked against the OpenAPI document.
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import {
  AuthorizationError,
  createDataConsumer,
  createFleetClient,
  createKeyturnApp,
  KeyturnApiError,
  type KeyturnApp,
  type Tokens,
  verifyWebhook,
  WebhookVerificationError,
} from '../../src/client/index.ts';
import { apiCall, registerTestFleet, type TestFleet } from '../support/fleet.ts';
import { bmwVin, newBrowser, walkAsNewOwner } from '../support/journey.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  testRedirectUri,
} from '../support/keyturn.ts';
import { conformanceErrors, type OpenApiDocument, webhookErrors } from '../support/openapi.ts';
import {
  type OemWorld,
  portalLink,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  until,
  type WebhookReceiver,
} from '../support/relay.ts';

describe('keyturn/client', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let registered: RegisteredApp;
  let app: KeyturnApp;
  let document: OpenApiDocument;
  let tokens: Tokens;
  let clearanceId: string;
  const email = 'client.owner@example.com';

  beforeAll(async () => {
    world = await startOemWorld();
    receiver = await startWebhookReceiver();
    keyturn = await startKeyturnWithOem(world);
    registered = await registerTestApp(keyturn, { webhookUrl: receiver.url });
    app = createKeyturnApp({
      issuer: keyturn.url,
      clientId: registered.client_id,
      clientSecret: registered.client_secret,
      redirectUri: testRedirectUri,
    });
    document = (await apiCall(`${keyturn.url}/openapi.json`, undefined, 'GET')).body;
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
    await receiver?.close();
  });

  const consumer = async () => {
    const credentials = await registerTestConsumer(keyturn);
    return createDataConsumer({
      issuer: keyturn.url,
      clientId: credentials.client_id,
      clientSecret: credentials.client_secret,
    });
  };

  it('authorizationUrl › asks for the scope with PKCE S256, a fresh state and the brand, locale and VIN given', async () => {
    const request = await app.authorizationUrl({
      scope: 'location mileage',
      brand: 'bmw',
      locale: 'de',
      vin: bmwVin,
    });
    const other = await app.authorizationUrl({ scope: 'location' });
    const url = new URL(request.url);
    expect(url.origin + url.pathname).toBe(`${keyturn.url}/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: registered.client_id,
      redirect_uri: testRedirectUri,
      response_type: 'code',
      scope: 'location mileage',
      code_challenge_method: 'S256',
      state: request.state,
      brand: 'bmw',
      locale: 'de',
      vin: bmwVin,
    });
    // RFC 7636 §4.2: S256 is BASE64URL(SHA256(code_verifier)).
    expect(url.searchParams.get('code_challenge')).toBe(
      createHash('sha256').update(request.codeVerifier).digest('base64url'),
    );
    expect(other.state).not.toBe(request.state);
    expect(other.codeVerifier).not.toBe(request.codeVerifier);
    expect(new URL(other.url).searchParams.has('brand')).toBe(false);
  });

  it('completeAuthorization › exchanges the code of a walked journey; the status reads pending and introspection inactive', async () => {
    const request = await app.authorizationUrl({ scope: 'location mileage' });
    const done = await walkAsNewOwner(newBrowser(), request.url, { email });
    tokens = await app.completeAuthorization(done.url, request);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.refresh_token).toBeTruthy();

    const status = await app.authorizationStatus(tokens.access_token);
    expect(status).toMatchObject({ status: 'pending', vin: bmwVin, brand: 'bmw', resolution_url: null });
    expect(status.pending_since).toEqual(expect.any(String));
    expect(conformanceErrors(document, 'GET', '/v1/authorization', 200, status)).toEqual([]);

    expect(await (await consumer()).introspect(tokens.access_token)).toEqual({ active: false });
  });

  it('authorizationUrl › with vehicleData asks by a vehicle_data detail; the tokens and the status carry the granted detail', async () => {
    const request = await app.authorizationUrl({
      vehicleData: { data_points: ['location'], brand: 'bmw', vin: bmwVin },
    });
    const asked = new URL(request.url);
    expect(asked.searchParams.has('scope')).toBe(false);
    expect(JSON.parse(asked.searchParams.get('authorization_details') ?? '[]')).toEqual([
      { type: 'vehicle_data', data_points: ['location'], brand: 'bmw', vin: bmwVin },
    ]);
    const done = await walkAsNewOwner(newBrowser(), request.url, { email: 'client.details@example.com' });
    const granted = await app.completeAuthorization(done.url, request);
    const detail = { type: 'vehicle_data', data_points: ['location'], brand: 'bmw', vin: bmwVin };
    expect(granted.authorization_details).toEqual([detail]);
    const status = await app.authorizationStatus(granted.access_token);
    expect(status.authorization_details).toEqual([{ ...detail, status: 'pending' }]);
    expect(conformanceErrors(document, 'GET', '/v1/authorization', 200, status)).toEqual([]);
  });

  it('completeAuthorization › a callback of an owner who denied throws AuthorizationError access_denied', async () => {
    const request = await app.authorizationUrl({ scope: 'location' });
    const done = await walkAsNewOwner(newBrowser(), request.url, {
      email: 'client.denier@example.com',
      decision: 'deny',
    });
    const refusal = await app.completeAuthorization(done.url, request).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AuthorizationError);
    expect((refusal as AuthorizationError).code).toBe('access_denied');
  });

  it('completeAuthorization › a callback whose state is not the one kept is refused without tokens', async () => {
    const request = await app.authorizationUrl({ scope: 'location' });
    const done = await walkAsNewOwner(newBrowser(), request.url, { email: 'client.state@example.com' });
    await expect(
      app.completeAuthorization(done.url, { ...request, state: 'another-state' }),
    ).rejects.toThrow();
  });

  it('authorizationStatus › an unknown token throws KeyturnApiError 401 invalid_token', async () => {
    const refusal = await app.authorizationStatus('not-a-token').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(KeyturnApiError);
    expect(refusal).toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('approval at the maker › the status turns approved, the webhook verifies and parses, introspection is active', async () => {
    await keyturn.worker.drain();
    const browser = newBrowser();
    const portal = await browser.follow(portalLink(world, email, bmwVin));
    await browser.submit(portal, { decision: 'approve' });
    await world.simulator.knobs.pendingDeliveries();
    expect((await app.authorizationStatus(tokens.access_token)).status).toBe('approved');

    await keyturn.worker.drain();
    const webhook = await until(
      async () => receiver.received.find((r) => r.body.includes('"approved"')),
      'the approval webhook',
    );
    const verified = verifyWebhook(webhook.body, webhook.headers, registered.webhook_secret);
    if (verified.type !== 'authorization_changed') throw new Error(`got ${verified.type}`);
    expect(verified.id).toBe(webhook.headers['webhook-id']);
    expect(verified.body.authorization.status).toBe('approved');
    expect(verified.body.vehicle.vin).toBe(bmwVin);
    expect(verified.body.application.id).toBe(registered.client_id);
    expect(webhookErrors(document, 'authorization_changed', verified.body)).toEqual([]);

    const introspection = await (await consumer()).introspect(tokens.access_token);
    if (!introspection.active) throw new Error('inactive after approval');
    expect(introspection).toMatchObject({ vin: bmwVin, brand: 'bmw', authorization_status: 'approved' });
    expect(introspection.scope.split(' ')).toEqual(expect.arrayContaining(['location', 'mileage']));
  });

  describe('verifyWebhook', () => {
    const delivered = () => {
      const webhook = receiver.received.find((r) => r.body.includes('"approved"'));
      if (!webhook) throw new Error('no webhook delivered yet');
      return webhook;
    };
    const failure = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookVerificationError);
        return (error as WebhookVerificationError).code;
      }
      throw new Error('verified');
    };

    it('rejects a body changed by one byte with invalid_signature', () => {
      const { body, headers } = delivered();
      const tampered = body.replace('"approved"', '"approvee"');
      expect(failure(() => verifyWebhook(tampered, headers, registered.webhook_secret))).toBe(
        'invalid_signature',
      );
    });

    it('rejects a delivery checked more than 5 minutes after its timestamp with timestamp_out_of_tolerance', () => {
      const { body, headers } = delivered();
      const sent = Number(headers['webhook-timestamp']) * 1000;
      expect(verifyWebhook(body, headers, registered.webhook_secret, { now: sent + 299_000 })).toBeTruthy();
      expect(
        failure(() => verifyWebhook(body, headers, registered.webhook_secret, { now: sent + 301_000 })),
      ).toBe('timestamp_out_of_tolerance');
    });

    it('rejects another secret, missing headers, and a signed body of a type Keyturn does not send', () => {
      const { body, headers } = delivered();
      const otherSecret = `whsec_${Buffer.from('another secret of 32 bytes......').toString('base64')}`;
      expect(failure(() => verifyWebhook(body, headers, otherSecret))).toBe('invalid_signature');
      expect(verifyWebhook(body, headers, [otherSecret, registered.webhook_secret]).type).toBe(
        'authorization_changed',
      );
      expect(failure(() => verifyWebhook(body, {}, registered.webhook_secret))).toBe('missing_headers');

      const unknown = JSON.stringify({
        event: { type: 'vehicle_moved', received_at: new Date().toISOString() },
      });
      const id = 'msg_test_unknown';
      const timestamp = String(Math.floor(Date.now() / 1000));
      const key = Buffer.from(registered.webhook_secret.slice('whsec_'.length), 'base64');
      const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${unknown}`).digest('base64');
      const signed = {
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
      };
      expect(failure(() => verifyWebhook(unknown, signed, registered.webhook_secret))).toBe('unknown_type');
    });
  });

  it('refresh › a refresh token gives a new access token that reads the same authorization', async () => {
    if (!tokens.refresh_token) throw new Error('no refresh token');
    const refreshed = await app.refresh(tokens.refresh_token);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect((await app.authorizationStatus(refreshed.access_token)).vin).toBe(bmwVin);
    const refusal = await app.refresh('not-a-refresh-token').catch((error: unknown) => error);
    expect(refusal).toMatchObject({ name: 'AuthorizationError', code: 'invalid_grant' });
  });

  it('management › lists, reads and disconnects the owner’s clearance; an unknown id is a 404 KeyturnApiError', async () => {
    const page = await app.management.listClearances({ vin: bmwVin });
    expect(conformanceErrors(document, 'GET', '/v1/clearances', 200, page)).toEqual([]);
    expect(page.clearances.every((clearance) => clearance.vin === bmwVin)).toBe(true);
    const listed = page.clearances.find((clearance) => clearance.authorization_status === 'approved');
    if (!listed) throw new Error('the approved clearance is not listed');
    clearanceId = listed.id;

    const one = await app.management.getClearance(clearanceId);
    expect(conformanceErrors(document, 'GET', '/v1/clearances/{id}', 200, one)).toEqual([]);
    expect(one.changelog.map((entry) => entry.status)).toContain('pending');

    const eligibility = await app.management.checkEligibility({ vin: bmwVin, country: 'DE' });
    expect(conformanceErrors(document, 'POST', '/v1/eligibility', 200, eligibility)).toEqual([]);
    expect(eligibility).toMatchObject({ vin: bmwVin, brand: 'bmw' });

    const disconnected = await app.management.disconnectClearance(clearanceId);
    expect(conformanceErrors(document, 'DELETE', '/v1/clearances/{id}', 202, disconnected)).toEqual([]);
    expect(disconnected.id).toBe(clearanceId);

    const unknown = await app.management.getClearance('clr_unknown').catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(KeyturnApiError);
    expect(unknown).toMatchObject({ status: 404, code: 'unknown_clearance' });
  });

  it('management › a month that is no YYYY-MM is a 400 KeyturnApiError with its problem', async () => {
    const refusal = await app.management.usage('2026-13').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(KeyturnApiError);
    expect((refusal as KeyturnApiError).status).toBe(400);
    expect((refusal as KeyturnApiError).problems.map((problem) => problem.code)).toContain('invalid_month');
    const month = new Date().toISOString().slice(0, 7);
    const statement = await app.management.usage(month);
    expect(conformanceErrors(document, 'GET', '/v1/usage', 200, statement)).toEqual([]);
    expect(statement.month).toBe(month);
  });

  it('management › one client credentials token serves a run of calls; one Keyturn expired is replaced once', async () => {
    const managed = await registerTestApp(keyturn, { name: 'Token Counter' });
    const client = createKeyturnApp({
      issuer: keyturn.url,
      clientId: managed.client_id,
      clientSecret: managed.client_secret,
      redirectUri: testRedirectUri,
    });
    const tokensOfApp = async () =>
      (
        await keyturn.database
          .query()<{ model: string; id: string; payload: string }>('oidc_payloads')
          .where({ model: 'ClientCredentials' })
      ).filter((row) => (JSON.parse(row.payload) as { clientId?: string }).clientId === managed.client_id);
    await client.management.listClearances();
    await client.management.listClearances({ limit: 1 });
    await client.management.checkEligibility({ vin: bmwVin, country: 'DE' });
    const [first, ...others] = await tokensOfApp();
    expect(others).toEqual([]);

    await keyturn.database
      .query()('oidc_payloads')
      .where({ model: 'ClientCredentials', id: first?.id ?? '' })
      .update({ expires_at: Date.now() - 1000 });
    expect((await client.management.listClearances()).clearances).toEqual([]);
    expect(await tokensOfApp()).toHaveLength(2);
  });

  describe('fleet', () => {
    let fleet: TestFleet;
    const tracker = `TGA-${Date.now().toString().slice(-6)}`;
    const client = () =>
      createFleetClient({
        issuer: keyturn.url,
        clientId: fleet.client_id,
        clientSecret: fleet.client_secret,
      });

    beforeAll(async () => {
      fleet = await registerTestFleet(keyturn, { name: 'Client Fleet' });
    });

    it('registers a batch (one item rejected with its problems), lists, reads, counts and deletes', async () => {
      const fleetClient = client();
      const results = await fleetClient.registerVehicles([
        { tracker_id: tracker, provider: 'targa', type: 'canbus' },
        { tracker_id: 'TGA-2', provider: 'targa', type: 'oem' },
      ]);
      expect(conformanceErrors(document, 'POST', '/v1/fleet/vehicles', 200, results)).toEqual([]);
      const [registeredItem, rejected] = results.vehicles;
      if (!registeredItem || !('id' in registeredItem)) throw new Error('the first item was not registered');
      if (!rejected || !('error' in rejected)) throw new Error('the second item was not rejected');
      expect(registeredItem).toMatchObject({ tracker_id: tracker, created: true });
      expect(rejected.error.problems.length).toBeGreaterThan(0);

      const page = await fleetClient.listVehicles({ category: 'pending' });
      expect(conformanceErrors(document, 'GET', '/v1/fleet/vehicles', 200, page)).toEqual([]);
      expect(page.vehicles.map((vehicle) => vehicle.id)).toEqual([registeredItem.id]);
      expect(await fleetClient.counts()).toEqual(page.counts);
      expect(page.counts.pending).toBe(1);

      const vehicle = await fleetClient.getVehicle(registeredItem.id);
      expect(conformanceErrors(document, 'GET', '/v1/fleet/vehicles/{id}', 200, vehicle)).toEqual([]);
      expect(vehicle.changelog.length).toBeGreaterThan(0);

      const removed = await fleetClient.deleteVehicle(registeredItem.id);
      expect(conformanceErrors(document, 'DELETE', '/v1/fleet/vehicles/{id}', 202, removed)).toEqual([]);
      expect(removed.id).toBe(registeredItem.id);

      const unknown = await fleetClient
        .getVehicle('veh_0000000000000000000000000000')
        .catch((e: unknown) => e);
      expect(unknown).toMatchObject({ status: 404, code: 'unknown_vehicle' });
    });

    it('a fleet client with a wrong secret fails to get a token and calls nothing', async () => {
      const wrong = createFleetClient({
        issuer: keyturn.url,
        clientId: fleet.client_id,
        clientSecret: 'wrong',
      });
      const refusal = await wrong.listVehicles().catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(Error);
      expect(refusal).not.toBeInstanceOf(KeyturnApiError);
    });
  });
});
