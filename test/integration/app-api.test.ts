// The app management API's edges over real HTTP: client credentials for the scope `management` (and for
// nothing else), a token that is no owner's token, an app's own owner clearances listed, filtered and paged
// (never another app's, never a fleet's vehicles), one with its changelog, disconnecting one (its owner's
// tokens end at once, the maker and the app are told, a second time changes nothing), and the eligibility
// of a vehicle with localized reasons. Every refusal is a JSON error with a stable code and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { changeClearance } from '../support/clearance.ts';
import { type ApiAnswer, apiCall, clientCredentialsToken, registerTestFleet } from '../support/fleet.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  startKeyturn,
} from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { type GrantedClearance, grantClearance, introspect } from '../support/relay.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

describe('app management API', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let other: RegisteredApp;
  let token: string;
  let otherToken: string;
  /** The app's owner clearances, oldest first: `pending`, then one the owner rejected, then `pending`. */
  let granted: GrantedClearance[];
  let theirs: GrantedClearance;

  const managementToken = (credentials: { client_id: string; client_secret: string }) =>
    clientCredentialsToken(keyturn.url, credentials, 'management');
  const call = (
    as: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer> => apiCall(`${keyturn.url}${path}`, as, method, body, headers);

  /** A token request with client_secret_basic, answered as it is. */
  async function tokenRequest(credentials: { client_id: string; client_secret: string }, scope?: string) {
    const response = await fetch(`${keyturn.url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${credentials.client_id}:${credentials.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const jobsFor = async (kind: string, clearanceId: string) =>
    (
      await keyturn.database
        .query()('outbox')
        .where({ kind })
        .andWhereLike('payload', `%${clearanceId}%`)
        .orderBy('id')
        .select('payload')
    ).map((row: { payload: string }) => JSON.parse(row.payload) as Record<string, unknown>);

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn, { name: 'Fleet Tracker' });
    other = await registerTestApp(keyturn, { name: 'Other App' });
    granted = [];
    for (const [i, vin] of ['WBA8E9G50GNT10011', 'WBA8E9G50GNT10022', 'WBA8E9G50GNT10033'].entries())
      granted.push(await grantClearance(keyturn, app, { email: `app.api.owner${i}@example.com`, vin }));
    await changeClearance(keyturn, granted[1]?.clearance.grantId ?? null, 'owner_rejected');
    theirs = await grantClearance(keyturn, other, {
      email: 'app.api.other@example.com',
      vin: 'WBA8E9G50GNT10044',
    });
    token = await managementToken(app);
    otherToken = await managementToken(other);
  });
  afterAll(async () => {
    await keyturn?.close();
  });

  const idOf = (index: number) => granted[index]?.clearance.id as string;

  describe('authentication', () => {
    it('POST /token › an app’s client credentials for the scope management give a bearer token the API accepts', async () => {
      const answer = await tokenRequest(app, 'management');
      expect(answer).toMatchObject({ status: 200, body: { token_type: 'Bearer', scope: 'management' } });
      expect(answer.body).not.toHaveProperty('refresh_token');
      const listed = await call(answer.body.access_token as string, 'GET', '/v1/clearances');
      expect(listed.status).toBe(200);
    });

    it('POST /token › an app cannot get fleet:clearance, a data point, management with more, or no scope; a fleet cannot get management', async () => {
      for (const scope of ['fleet:clearance', 'location', 'openid', 'management location', undefined]) {
        const answer = await tokenRequest(app, scope);
        expect(answer, String(scope)).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
      }
      const fleet = await registerTestFleet(keyturn);
      expect(await tokenRequest(fleet, 'management')).toMatchObject({
        status: 400,
        body: { error: 'invalid_scope' },
      });
      expect(await tokenRequest(fleet, 'fleet:clearance')).toMatchObject({ status: 200 });
      const consumer = await registerTestConsumer(keyturn);
      expect(await tokenRequest(consumer, 'management')).toMatchObject({
        status: 400,
        body: { error: 'unauthorized_client' },
      });
    });

    it('GET /v1/clearances › no token, a malformed or unknown one, an owner’s access token or a fleet’s token → 401 invalid_token', async () => {
      const fleet = await registerTestFleet(keyturn);
      const owners = granted[0]?.tokens.access_token;
      for (const presented of [undefined, 'not a token!', 'x'.repeat(43), owners, fleet.token]) {
        const answer = await call(presented, 'GET', '/v1/clearances');
        expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      }
      const eligibility = await call(owners, 'POST', '/v1/eligibility', {
        vin: 'WBA5R1C50KA123456',
        country: 'DE',
      });
      expect(eligibility.status).toBe(401);
    });

    it('the management token is no owner’s token: GET /v1/authorization → 401, introspection → {"active":false}, the fleet API → 401', async () => {
      expect((await call(token, 'GET', '/v1/authorization')).status).toBe(401);
      const consumer = await registerTestConsumer(keyturn);
      expect(await introspect(keyturn.url, consumer, token)).toEqual({ active: false });
      expect((await call(token, 'GET', '/v1/fleet/vehicles')).status).toBe(401);
    });

    it('GET /auth › an app asking an owner for the scope management is sent back with invalid_scope; its data points are granted as before', async () => {
      const config = await discover(keyturn.url, app);
      const request = await authorizationRequest(config, { scope: 'location management' });
      const answer = await fetch(request.url, { redirect: 'manual' });
      expect(answer.status).toBe(303);
      const back = new URL(answer.headers.get('location') ?? '');
      expect(back.searchParams.get('error')).toBe('invalid_scope');
      expect(granted[0]?.tokens.scope?.split(' ').sort()).toEqual(['location', 'mileage', 'offline_access']);
    });
  });

  describe('listing', () => {
    it('GET /v1/clearances › the app’s own owner clearances, newest first, with the contract’s fields; another app’s are not there', async () => {
      const answer = await call(token, 'GET', '/v1/clearances');
      expect(answer.status).toBe(200);
      expect(answer.body.next_cursor).toBeNull();
      expect(answer.body.clearances.map((c: { id: string }) => c.id)).toEqual([idOf(2), idOf(1), idOf(0)]);
      const first = granted[2]?.clearance;
      expect(answer.body.clearances[0]).toEqual({
        id: first?.id,
        vin: 'WBA8E9G50GNT10033',
        brand: 'bmw',
        status: 'pending',
        authorization_status: 'pending',
        created_at: new Date(first?.createdAt ?? 0).toISOString(),
        updated_at: new Date(first?.statusChangedAt ?? 0).toISOString(),
      });
      expect(answer.body.clearances[1]).toMatchObject({
        status: 'error_rejected',
        authorization_status: 'rejected',
      });
      const theirList = await call(otherToken, 'GET', '/v1/clearances');
      expect(theirList.body.clearances.map((c: { id: string }) => c.id)).toEqual([theirs.clearance.id]);
    });

    it('GET /v1/clearances › pages of `limit` by next_cursor until the last page', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const answer: ApiAnswer = await call(
          token,
          'GET',
          `/v1/clearances?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(answer.status).toBe(200);
        expect(answer.body.clearances).toHaveLength(1);
        seen.push(answer.body.clearances[0].id);
        cursor = answer.body.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([idOf(2), idOf(1), idOf(0)]);
      const two = await call(token, 'GET', '/v1/clearances?limit=2');
      expect(two.body.next_cursor).toEqual(expect.any(String));
      const rest = await call(token, 'GET', `/v1/clearances?limit=2&cursor=${two.body.next_cursor}`);
      expect(rest.body).toMatchObject({ clearances: [{ id: idOf(0) }], next_cursor: null });
    });

    it('GET /v1/clearances › filters by status and by VIN (normalized, exact)', async () => {
      const ids = async (query: string) =>
        (await call(token, 'GET', `/v1/clearances?${query}`)).body.clearances.map(
          (c: { id: string }) => c.id,
        );
      expect(await ids('status=error_rejected')).toEqual([idOf(1)]);
      expect(await ids('status=pending')).toEqual([idOf(2), idOf(0)]);
      expect(await ids('status=connected')).toEqual([]);
      expect(await ids(`vin=${encodeURIComponent(' wba8e9g50-gnt10011 ')}`)).toEqual([idOf(0)]);
      expect(await ids('vin=WBA8E9G50GNT10044')).toEqual([]);
      expect(await ids('status=pending&vin=WBA8E9G50GNT10022')).toEqual([]);
    });

    it('GET /v1/clearances › an unknown status, a bad VIN, limit or cursor → 400 listing each, in German with Accept-Language: de', async () => {
      const answer = await call(token, 'GET', '/v1/clearances?status=approved&vin=WBA1&limit=101&cursor=abc');
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
      expect(answer.body.problems.map((p: { pointer: string; code: string }) => [p.pointer, p.code])).toEqual(
        [
          ['/status', 'unknown_status'],
          ['/vin', 'invalid_vin'],
          ['/limit', 'invalid_limit'],
          ['/cursor', 'invalid_cursor'],
        ],
      );
      expect(answer.body.error_description).toBe(message('en', 'app_api:errors.invalid_request'));
      const german = await call(token, 'GET', '/v1/clearances?status=lost&status=found', undefined, {
        'accept-language': 'de',
      });
      expect(german.body).toEqual({
        error: 'invalid_input',
        error_description: message('de', 'app_api:errors.invalid_request'),
        problems: [
          {
            pointer: '/status',
            code: 'repeated_parameter',
            message: message('de', 'app_api:problems.repeated_parameter', { parameter: 'status' }),
          },
        ],
      });
    });
  });

  describe('a clearance', () => {
    it('GET /v1/clearances/{id} › the clearance with its changelog from the audit trail, oldest first', async () => {
      const answer = await call(token, 'GET', `/v1/clearances/${idOf(1)}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: idOf(1), vin: 'WBA8E9G50GNT10022', status: 'error_rejected' });
      expect(answer.body.changelog).toEqual([
        { timestamp: expect.any(String), status: 'pending', reason: 'consent_given' },
        { timestamp: answer.body.updated_at, status: 'error_rejected', reason: 'test' },
      ]);
    });

    it('GET /v1/clearances/{id} › another app’s clearance, a fleet’s vehicle or an unknown id → 404, exactly alike', async () => {
      const fleet = await registerTestFleet(keyturn);
      const registered = await fleet.call('POST', '/v1/fleet/vehicles', {
        vehicles: [{ tracker_id: 'TGA-APP-0001', provider: 'targa', type: 'canbus' }],
      });
      const vehicleId = registered.body.vehicles[0].id as string;
      const unknown = await call(token, 'GET', '/v1/clearances/00000000-0000-4000-8000-000000000000');
      expect(unknown).toMatchObject({
        status: 404,
        body: {
          error: 'unknown_clearance',
          error_description: message('en', 'app_api:errors.unknown_clearance'),
        },
      });
      for (const id of [theirs.clearance.id, vehicleId]) {
        const answer = await call(token, 'GET', `/v1/clearances/${id}`);
        expect(answer.status).toBe(404);
        expect(answer.body).toEqual(unknown.body);
      }
    });
  });

  describe('disconnecting', () => {
    it('DELETE /v1/clearances/{id} › 202 disconnected: the owner’s tokens end at once, the maker and the app are told', async () => {
      const owner = granted[0] as GrantedClearance;
      await changeClearance(keyturn, owner.clearance.grantId, 'owner_approved');
      const consumer = await registerTestConsumer(keyturn);
      expect(await introspect(keyturn.url, consumer, owner.tokens.access_token)).toMatchObject({
        active: true,
      });

      const answer = await call(token, 'DELETE', `/v1/clearances/${idOf(0)}`);
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({
        id: idOf(0),
        status: 'disconnected',
        authorization_status: 'revoked',
      });
      expect(await introspect(keyturn.url, consumer, owner.tokens.access_token)).toEqual({ active: false });
      expect(await introspect(keyturn.url, consumer, owner.tokens.refresh_token ?? '')).toEqual({
        active: false,
      });
      expect((await call(owner.tokens.access_token, 'GET', '/v1/authorization')).status).toBe(401);
      expect(await jobsFor('oem_revoke', idOf(0))).toEqual([{ clearanceId: idOf(0) }]);
      expect((await jobsFor('app_webhook', idOf(0))).map((job) => job.status)).toEqual([
        'approved',
        'revoked',
      ]);
      const shown = await call(token, 'GET', `/v1/clearances/${idOf(0)}`);
      expect(shown.body.changelog.at(-1)).toMatchObject({ status: 'disconnected', reason: 'app_revoked' });
    });

    it('DELETE /v1/clearances/{id} › again → 202 with the same clearance; nothing changes, nothing more is queued', async () => {
      const before = await call(token, 'GET', `/v1/clearances/${idOf(0)}`);
      const jobs = (await keyturn.database.query()('outbox').count({ n: '*' }))[0]?.n;
      const again = await call(token, 'DELETE', `/v1/clearances/${idOf(0)}`);
      expect(again.status).toBe(202);
      const { changelog, ...clearance } = before.body;
      expect(again.body).toEqual(clearance);
      expect((await call(token, 'GET', `/v1/clearances/${idOf(0)}`)).body.changelog).toEqual(changelog);
      expect((await keyturn.database.query()('outbox').count({ n: '*' }))[0]?.n).toBe(jobs);
    });

    it('DELETE /v1/clearances/{id} › one the owner rejected → 409 disconnect_not_allowed, and its status stays', async () => {
      const answer = await call(token, 'DELETE', `/v1/clearances/${idOf(1)}`, undefined, {
        'accept-language': 'de',
      });
      expect(answer).toMatchObject({
        status: 409,
        body: {
          error: 'disconnect_not_allowed',
          error_description: message('de', 'app_api:errors.disconnect_not_allowed', {
            status: 'error_rejected',
          }),
        },
      });
      expect((await call(token, 'GET', `/v1/clearances/${idOf(1)}`)).body.status).toBe('error_rejected');
      expect(await jobsFor('oem_revoke', idOf(1))).toEqual([]);
    });

    it('DELETE /v1/clearances/{id} › another app’s clearance → 404, and it stays as it was', async () => {
      const answer = await call(token, 'DELETE', `/v1/clearances/${theirs.clearance.id}`);
      expect(answer).toMatchObject({ status: 404, body: { error: 'unknown_clearance' } });
      const still = await call(otherToken, 'GET', `/v1/clearances/${theirs.clearance.id}`);
      expect(still.body.status).toBe('pending');
      expect((await call(theirs.tokens.access_token, 'GET', '/v1/authorization')).status).toBe(200);
    });
  });

  describe('eligibility', () => {
    const check = (body: unknown, headers?: Record<string, string>) =>
      call(token, 'POST', '/v1/eligibility', body, headers);

    it('POST /v1/eligibility › a BMW of model year 2019 in Germany is eligible, with no reasons', async () => {
      const answer = await check({ vin: 'wba5r1c5-0ka123456', country: 'DE' });
      expect(answer).toMatchObject({ status: 200 });
      expect(answer.body).toEqual({ vin: 'WBA5R1C50KA123456', eligible: true, brand: 'bmw', reasons: [] });
    });

    it('POST /v1/eligibility › a BMW in the United States → market_not_supported, with its message', async () => {
      const answer = await check({ vin: 'WBA5R1C50KA123456', country: 'US' });
      expect(answer.body).toEqual({
        vin: 'WBA5R1C50KA123456',
        eligible: false,
        brand: 'bmw',
        reasons: [
          {
            code: 'market_not_supported',
            message: message('en', 'app_api:eligibility.market_not_supported', {
              brand: 'BMW',
              country: 'US',
            }),
          },
        ],
      });
    });

    it('POST /v1/eligibility › model year 2016 → model_too_old; 2017 → eligible with model_year_uncertain', async () => {
      const old = await check({ vin: 'WBA8E9G50GNT12345', country: 'DE' });
      expect(old.body).toMatchObject({ eligible: false, reasons: [{ code: 'model_too_old' }] });
      expect(old.body.reasons[0].message).toContain('2016');
      const uncertain = await check({ vin: 'WBA8E9G50HNT12345', country: 'DE' });
      expect(uncertain.body).toMatchObject({ eligible: true, reasons: [{ code: 'model_year_uncertain' }] });
    });

    it('POST /v1/eligibility › a VIN that is none → vin_invalid; a brand the app did not register → brand_not_offered_by_app', async () => {
      const bad = await check({ vin: 'WBA5R1C50KA1234OO', country: 'DE' });
      expect(bad).toMatchObject({
        status: 200,
        body: { eligible: false, brand: null, reasons: [{ code: 'vin_invalid' }] },
      });
      const ford = await check({ vin: 'WF0AXXWPMAJB43745', country: 'DE' });
      expect(ford.body.reasons.map((r: { code: string }) => r.code)).toEqual(['brand_unknown']);
      const peugeot = await check({ vin: 'VF3AAAAAA8A100003', country: 'FR' });
      expect(peugeot.body).toMatchObject({
        eligible: false,
        brand: 'peugeot',
        reasons: [{ code: 'brand_not_offered_by_app' }],
      });
    });

    it('POST /v1/eligibility › reasons in German with Accept-Language: de', async () => {
      const answer = await check({ vin: 'WBA8E9G50GNT12345', country: 'US' }, { 'accept-language': 'de' });
      expect(answer.body.reasons).toEqual([
        {
          code: 'market_not_supported',
          message: message('de', 'app_api:eligibility.market_not_supported', { brand: 'BMW', country: 'US' }),
        },
        {
          code: 'model_too_old',
          message: message('de', 'app_api:eligibility.model_too_old', {
            brand: 'BMW',
            since: '07/2017',
            modelYear: '2016',
          }),
        },
      ]);
    });

    it('POST /v1/eligibility › a malformed body → 400 (never 500), localized; over 16 kB → 413; not JSON → 415', async () => {
      const broken = await check('{"vin": ', { 'content-type': 'application/json', 'accept-language': 'de' });
      expect(broken).toMatchObject({
        status: 400,
        body: { error: 'invalid_input', error_description: message('de', 'app_api:errors.invalid_json') },
      });
      const list = await check([]);
      expect(list.body.problems).toEqual([
        { pointer: '', code: 'body_required', message: message('en', 'app_api:problems.body_required') },
      ]);
      const wrong = await check({ vin: 17, country: 'de' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.problems.map((p: { pointer: string; code: string }) => [p.pointer, p.code])).toEqual([
        ['/vin', 'vin_required'],
        ['/country', 'invalid_country'],
      ]);
      const missing = await check({});
      expect(missing.body.problems.map((p: { code: string }) => p.code)).toEqual([
        'vin_required',
        'invalid_country',
      ]);
      const tooLong = await check({ vin: 'W'.repeat(65), country: 'DE' });
      expect(tooLong.body.problems.map((p: { code: string }) => p.code)).toEqual(['vin_required']);
      const huge = await check({ vin: 'WBA5R1C50KA123456', country: 'DE', padding: 'x'.repeat(17_000) });
      expect(huge).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
      const form = await check('vin=WBA5R1C50KA123456&country=DE', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    });

    it('POST /v1/eligibility › past ELIGIBILITY_CHECKS_PER_APP in the window → 429 with Retry-After; another app still checks', async () => {
      const limited = await startKeyturn({ ELIGIBILITY_CHECKS_PER_APP: '2' });
      try {
        const small = await registerTestApp(limited);
        const smallToken = await clientCredentialsToken(limited.url, small, 'management');
        const ask = (as: string) =>
          apiCall(`${limited.url}/v1/eligibility`, as, 'POST', { vin: 'WBA5R1C50KA123456', country: 'DE' });
        expect((await ask(smallToken)).status).toBe(200);
        expect((await ask(smallToken)).status).toBe(200);
        const refused = await ask(smallToken);
        expect(refused).toMatchObject({ status: 429, body: { error: 'too_many_eligibility_checks' } });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        const another = await registerTestApp(limited);
        expect((await ask(await clientCredentialsToken(limited.url, another, 'management'))).status).toBe(
          200,
        );
      } finally {
        await limited.close();
      }
    });
  });

  describe('usage', () => {
    it('GET /v1/usage › the app’s own statement for the month, reconciling with the ledger; another app’s lines are not in it', async () => {
      const ledger = keyturn.repositories.usageLedger;
      const charge = (clientId: string, vin: string, event: number) =>
        ledger.charge({
          clientId,
          vin,
          clearanceId: `clr_usage_${vin}`,
          eventType: 'vehicle_location_changed',
          eventId: `bmw:msg_usage_${clientId}_${vin}_${event}`,
          month: '2027-06',
          listPriceCents: 12,
          monthlyCapCents: 669,
          receivedAt: Date.UTC(2027, 5, 3),
        });
      await keyturn.database.transaction(async () => {
        for (let event = 0; event < 4; event++) await charge(app.client_id, 'WBA8E9G50GNT10011', event);
        await charge(other.client_id, 'WBA8E9G50GNT10044', 0);
      });
      const answer = await call(token, 'GET', '/v1/usage?month=2027-06');
      expect(answer).toMatchObject({
        status: 200,
        body: {
          month: '2027-06',
          currency: 'EUR',
          vehicles: [{ vin: 'WBA8E9G50GNT10011', events: 4, amount_cents: 48, capped: false }],
          subtotal_cents: 48,
          discount_cents: 0,
          total_cents: 48,
        },
      });
      const lines = await keyturn.database
        .query()('usage_ledger')
        .where({ client_id: app.client_id, month: '2027-06' });
      expect(lines.reduce((sum, line) => sum + Number(line.amount_cents), 0)).toBe(answer.body.total_cents);
      expect((await call(token, 'GET', '/v1/usage?month=2027-07')).body).toMatchObject({
        vehicles: [],
        total_cents: 0,
      });
    });

    it('GET /v1/usage › no month, a bad one or two → 400 naming the parameter, in German too; no token → 401', async () => {
      for (const query of ['', '?month=2027-13', '?month=June', '?month=2027-06&month=2027-07']) {
        const answer = await call(token, 'GET', `/v1/usage${query}`);
        expect(answer.status).toBe(400);
        expect(answer.body.problems).toMatchObject([{ pointer: '/month' }]);
      }
      const german = await call(token, 'GET', '/v1/usage?month=13', undefined, { 'accept-language': 'de' });
      expect(JSON.stringify(german.body)).toContain('Kalendermonat');
      expect((await call(undefined, 'GET', '/v1/usage?month=2027-06')).status).toBe(401);
    });
  });
});
