// The fleet API's edges over real HTTP: client credentials and bearer tokens, documents checked from their
// bytes, batch registration (per-item results, idempotency, malformed batches refused whole), listing by
// category with counts and keyset pages, and one fleet never seeing another's vehicles or documents.
// Every refusal is a JSON error with a stable code and changes nothing.
import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCall,
  clientCredentialsToken,
  fleetVins,
  htmlBytes,
  pdfBytes,
  pngBytes,
  registerTestFleet,
  type TestFleet,
  uploadDocument,
} from '../support/fleet.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { consentOverHttp } from '../support/relay.ts';

describe('fleet API', () => {
  let keyturn: RunningKeyturn;
  let fleet: TestFleet;
  let other: TestFleet;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    fleet = await registerTestFleet(keyturn, { name: 'Fleet A' });
    other = await registerTestFleet(keyturn, { name: 'Fleet B' });
  });
  afterAll(async () => {
    await keyturn?.close();
  });

  const tracker = (suffix: number) => `TGA-${String(suffix).padStart(6, '1')}`;
  const targa = (suffix: number, extra: Record<string, unknown> = {}) => ({
    tracker_id: tracker(suffix),
    provider: 'targa',
    type: 'canbus',
    ...extra,
  });
  const register = (as: TestFleet, vehicles: unknown[]) =>
    as.call('POST', '/v1/fleet/vehicles', { vehicles });
  const vehicleRows = async () =>
    Number((await keyturn.database.query()('fleet_vehicles').count({ n: '*' }))[0]?.n);
  const countsOf = async (as: TestFleet) => (await as.call('GET', '/v1/fleet/vehicles?limit=1')).body.counts;

  describe('authentication', () => {
    it('POST /token › client credentials with scope fleet:clearance give a bearer token the fleet API accepts', async () => {
      const token = await clientCredentialsToken(keyturn.url, fleet);
      const answer = await apiCall(`${keyturn.url}/v1/fleet/vehicles`, token, 'GET');
      expect(answer.status).toBe(200);
    });

    it('GET /v1/fleet/vehicles › no token, a malformed or an unknown one → 401 invalid_token with WWW-Authenticate', async () => {
      for (const token of [undefined, 'not a token!', 'x'.repeat(43)]) {
        const answer = await apiCall(`${keyturn.url}/v1/fleet/vehicles`, token, 'GET');
        expect(answer.status).toBe(401);
        expect(answer.body.error).toBe('invalid_token');
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      }
    });

    it('GET /v1/fleet/vehicles › an expired fleet token → 401', async () => {
      const token = await clientCredentialsToken(keyturn.url, fleet);
      await keyturn.database
        .query()('oidc_payloads')
        .where({ model: 'ClientCredentials' })
        .update({ expires_at: Date.now() - 1000 });
      const answer = await apiCall(`${keyturn.url}/v1/fleet/vehicles`, token, 'GET');
      expect(answer.status).toBe(401);
      fleet.token = await clientCredentialsToken(keyturn.url, fleet);
      other.token = await clientCredentialsToken(keyturn.url, other);
    });

    it('POST /token › an app cannot get client credentials for fleet:clearance; a fleet cannot get another scope', async () => {
      const app = await registerTestApp(keyturn);
      await expect(clientCredentialsToken(keyturn.url, app)).rejects.toMatchObject({
        error: 'invalid_scope',
      });
      await expect(clientCredentialsToken(keyturn.url, fleet, 'location')).rejects.toBeInstanceOf(
        oauth.ResponseBodyError,
      );
    });

    it('GET /v1/fleet/vehicles › an app’s access token from the consent journey → 401', async () => {
      const app = await registerTestApp(keyturn);
      const tokens = await consentOverHttp(keyturn.url, app, { email: 'fleet.api.owner@example.com' });
      const answer = await apiCall(`${keyturn.url}/v1/fleet/vehicles`, tokens.access_token, 'GET');
      expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      const ownView = await apiCall(`${keyturn.url}/v1/authorization`, tokens.access_token, 'GET');
      expect(ownView.status).toBe(200);
    });
  });

  describe('documents', () => {
    it('POST /v1/fleet/documents › a PNG → 201 {id: doc_…, content_type, size}; only its fleet can read it back', async () => {
      const answer = await uploadDocument(fleet);
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ content_type: 'image/png', size: pngBytes.length });
      expect(answer.body.id).toMatch(/^doc_[0-9a-f]{32}$/);
      const mine = await fetch(`${keyturn.url}/v1/fleet/documents/${answer.body.id}`, {
        headers: { authorization: `Bearer ${fleet.token}` },
      });
      expect(mine.status).toBe(200);
      expect(mine.headers.get('content-type')).toBe('image/png');
      expect(mine.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await mine.arrayBuffer())).toEqual(pngBytes);
      const theirs = await other.call('GET', `/v1/fleet/documents/${answer.body.id}`);
      expect(theirs).toMatchObject({ status: 404, body: { error: 'unknown_document' } });
    });

    it('POST /v1/fleet/documents › a PDF → 201 as application/pdf', async () => {
      const answer = await uploadDocument(fleet, pdfBytes, 'application/pdf');
      expect(answer).toMatchObject({ status: 201, body: { content_type: 'application/pdf' } });
    });

    it('POST /v1/fleet/documents › 6 MB → 413, a PDF or an HTML page sent as image/png → 415, text/plain → 415; nothing stored', async () => {
      const stored = async () =>
        Number((await keyturn.database.query()('fleet_documents').count({ n: '*' }))[0]?.n);
      const before = await stored();
      const big = Buffer.concat([pngBytes, Buffer.alloc(6 * 1024 * 1024)]);
      expect((await uploadDocument(fleet, big)).body.error).toBe('document_too_large');
      expect((await uploadDocument(fleet, big)).status).toBe(413);
      const disguisedPdf = await uploadDocument(fleet, pdfBytes, 'image/png');
      expect(disguisedPdf).toMatchObject({ status: 415, body: { error: 'document_type_mismatch' } });
      const disguisedHtml = await uploadDocument(fleet, htmlBytes, 'image/png');
      expect(disguisedHtml).toMatchObject({ status: 415, body: { error: 'document_type_mismatch' } });
      const text = await uploadDocument(fleet, Buffer.from('hello'), 'text/plain');
      expect(text).toMatchObject({ status: 415, body: { error: 'unsupported_document_type' } });
      expect(await stored()).toBe(before);
    });
  });

  describe('batch registration', () => {
    it('POST /v1/fleet/vehicles › good items register, each bad one gets its own stable code, and nothing of it is stored', async () => {
      const document = (await uploadDocument(fleet)).body.id;
      const otherDocument = (await uploadDocument(other)).body.id;
      const before = await vehicleRows();
      const answer = await register(fleet, [
        targa(1),
        { tracker_id: fleetVins.bmw, provider: 'bmw', type: 'oem' },
        { tracker_id: 'X1', provider: 'tesla', type: 'oem' },
        { tracker_id: tracker(2), provider: 'targa', type: 'obd' },
        {
          tracker_id: fleetVins.mercedes,
          provider: 'mercedes-benz',
          type: 'oem',
          registration_document_id: document,
        },
        { tracker_id: fleetVins.mercedes, provider: 'mercedes-benz', type: 'oem', odometer: 12 },
        {
          tracker_id: fleetVins.mercedes,
          provider: 'mercedes-benz',
          type: 'oem',
          odometer: 12,
          registration_document_id: otherDocument,
        },
        { tracker_id: 'WBAIE9G50GNT1OQ45', provider: 'bmw', type: 'oem' },
        { tracker_id: fleetVins.mercedes, provider: 'bmw', type: 'oem' },
        'not an object',
        targa(3, { object_id: { license_plate: 7 } }),
        targa(4, { odometer: -5 }),
      ]);
      expect(answer.status).toBe(200);
      const results = answer.body.vehicles as {
        index: number;
        id?: string;
        error?: { code: string; message: string };
      }[];
      expect(results.map((result) => result.index)).toEqual([...results.keys()]);
      expect(results.map((result) => result.error?.code ?? 'registered')).toEqual([
        'registered',
        'registered',
        'unknown_provider',
        'type_mismatch',
        'odometer_required',
        'registration_document_required',
        'unknown_document',
        'invalid_tracker_id',
        'invalid_tracker_id',
        'invalid_vehicle',
        'invalid_object_id',
        'invalid_odometer',
      ]);
      for (const result of results.filter((r) => r.error))
        expect(result.error?.message.length).toBeGreaterThan(10);
      expect(results[0]).toMatchObject({
        tracker_id: tracker(1),
        provider: 'targa',
        type: 'canbus',
        validation_status: 'pending',
      });
      expect(await vehicleRows()).toBe(before + 2);
    });

    it('POST /v1/fleet/vehicles › a provider this Keyturn has no connection to → provider_not_available; nothing stored', async () => {
      // No dev tools (so no simulator) and only BMW configured: the other providers cannot be reached.
      const bare = await startKeyturn({
        KEYTURN_DEV_TOOLS: 'false',
        OEM_BMW_URL: 'https://bmw.example/api',
        OEM_BMW_API_KEY: 'bmw-key',
        OEM_BMW_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
      });
      try {
        const alone = await registerTestFleet(bare);
        const answer = await register(alone, [
          { tracker_id: fleetVins.bmw, provider: 'bmw', type: 'oem' },
          targa(950),
        ]);
        expect(
          answer.body.vehicles.map((v: { error?: { code: string } }) => v.error?.code ?? 'registered'),
        ).toEqual(['registered', 'provider_not_available']);
        expect(answer.body.vehicles[1].error.message).toContain('targa');
      } finally {
        await bare.close();
      }
    });

    it('POST /v1/fleet/vehicles › errors in German with Accept-Language: de', async () => {
      const answer = await fleet.call(
        'POST',
        '/v1/fleet/vehicles',
        { vehicles: [{ provider: 'tesla' }] },
        {
          'accept-language': 'de',
        },
      );
      expect(answer.body.vehicles[0].error.message).toContain('Anbieter');
    });

    it('POST /v1/fleet/vehicles › the same provider + tracker id again returns the vehicle already there', async () => {
      const first = await register(fleet, [targa(10, { object_id: { license_plate: 'B-KT 10' } })]);
      const second = await register(fleet, [targa(10)]);
      expect(second.body.vehicles[0]).toMatchObject({ id: first.body.vehicles[0].id, created: false });
      expect(first.body.vehicles[0].created).toBe(true);
    });

    it('POST /v1/fleet/vehicles › two parallel registrations of one tracker create one vehicle', async () => {
      const before = await vehicleRows();
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => register(fleet, [targa(20), targa(21)])),
      );
      const ids = new Set(answers.flatMap((answer) => answer.body.vehicles.map((v: { id: string }) => v.id)));
      expect(ids.size).toBe(2);
      expect(await vehicleRows()).toBe(before + 2);
    });

    it('POST /v1/fleet/vehicles › the same tracker id in two fleets is two vehicles, neither visible to the other', async () => {
      const mine = await register(fleet, [targa(30)]);
      const theirs = await register(other, [targa(30)]);
      expect(theirs.body.vehicles[0].created).toBe(true);
      expect(theirs.body.vehicles[0].id).not.toBe(mine.body.vehicles[0].id);
    });

    it('POST /v1/fleet/vehicles › 1,001 items, duplicates within the batch, no vehicles array, bad JSON → 400 listing every problem; nothing stored', async () => {
      const before = await vehicleRows();
      const countsBefore = await countsOf(fleet);
      const tooMany = await register(
        fleet,
        Array.from({ length: 1001 }, (_, i) => targa(100_000 + i)),
      );
      expect(tooMany).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
      expect(tooMany.body.problems).toEqual([
        { pointer: '/vehicles', code: 'batch_size', message: expect.stringContaining('1000') },
      ]);
      const duplicated = await register(fleet, [targa(40), targa(41), targa(40), targa(41)]);
      expect(duplicated.status).toBe(400);
      expect(
        duplicated.body.problems.map((p: { pointer: string; code: string }) => [p.pointer, p.code]),
      ).toEqual([
        ['/vehicles/2/tracker_id', 'duplicate_tracker_id'],
        ['/vehicles/3/tracker_id', 'duplicate_tracker_id'],
      ]);
      const empty = await register(fleet, []);
      expect(empty.body.problems[0].code).toBe('batch_size');
      const noArray = await fleet.call('POST', '/v1/fleet/vehicles', { cars: [] });
      expect(noArray.body.problems[0].code).toBe('vehicles_required');
      const badJson = await fleet.call('POST', '/v1/fleet/vehicles', '{"vehicles": [', {
        'content-type': 'application/json',
      });
      expect(badJson).toMatchObject({ status: 400, body: { error: 'invalid_input' } });
      const notJson = await fleet.call('POST', '/v1/fleet/vehicles', 'vehicles=1', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(notJson).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
      expect(await vehicleRows()).toBe(before);
      expect(await countsOf(fleet)).toEqual(countsBefore);
    });
  });

  describe('listing', () => {
    let listed: TestFleet;
    beforeAll(async () => {
      listed = await registerTestFleet(keyturn, { name: 'Fleet L' });
      await register(
        listed,
        Array.from({ length: 25 }, (_, i) => targa(500 + i, { object_id: { license_plate: `HH-L ${i}` } })),
      );
      await register(listed, [{ tracker_id: fleetVins.bmw, provider: 'bmw', type: 'oem' }]);
    });

    it('GET /v1/fleet/vehicles › pages of `limit` in registration order, next_cursor until the last page, counts per category', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const answer = await listed.call(
          'GET',
          `/v1/fleet/vehicles?limit=10${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(answer.status).toBe(200);
        expect(answer.body.counts).toEqual({ connected: 0, pending: 26, errors: 0, disconnected: 0 });
        seen.push(...answer.body.vehicles.map((v: { tracker_id: string }) => v.tracker_id));
        cursor = answer.body.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...Array.from({ length: 25 }, (_, i) => tracker(500 + i)), fleetVins.bmw]);
    });

    it('GET /v1/fleet/vehicles › a batch lists in its own order, whichever items took longer to check', async () => {
      const mixed = await registerTestFleet(keyturn, { name: 'Fleet M' });
      const document = (await uploadDocument(mixed)).body.id;
      const batch = [
        targa(900),
        {
          tracker_id: fleetVins.mercedes,
          provider: 'mercedes-benz',
          type: 'oem',
          odometer: 1,
          registration_document_id: document,
        },
        targa(901),
        { tracker_id: fleetVins.bmw, provider: 'bmw', type: 'oem' },
      ];
      await register(mixed, batch);
      const listed = await mixed.call('GET', '/v1/fleet/vehicles');
      expect(listed.body.vehicles.map((v: { tracker_id: string }) => v.tracker_id)).toEqual(
        batch.map((item) => item.tracker_id),
      );
    });

    it('GET /v1/fleet/vehicles › filters by category, status, provider and q (tracker id, VIN or plate)', async () => {
      const ids = async (query: string) =>
        (await listed.call('GET', `/v1/fleet/vehicles?${query}`)).body.vehicles.map(
          (v: { tracker_id: string }) => v.tracker_id,
        );
      expect(await ids('category=connected')).toEqual([]);
      expect((await ids('category=pending')).length).toBe(26);
      expect(await ids('provider=bmw')).toEqual([fleetVins.bmw]);
      expect((await ids('status=pending&provider=targa')).length).toBe(25);
      expect(await ids(`q=${fleetVins.bmw.toLowerCase()}`)).toEqual([fleetVins.bmw]);
      expect(await ids(`q=${tracker(503)}`)).toEqual([tracker(503)]);
      expect(await ids('q=hh-l%207')).toEqual([tracker(507)]);
    });

    it('a removed vehicle moves from pending to disconnected in the counts', async () => {
      const first = (await listed.call('GET', '/v1/fleet/vehicles?limit=1')).body.vehicles[0];
      expect((await listed.call('DELETE', `/v1/fleet/vehicles/${first.id}`)).status).toBe(202);
      expect(await countsOf(listed)).toEqual({ connected: 0, pending: 25, errors: 0, disconnected: 1 });
      const disconnected = await listed.call('GET', '/v1/fleet/vehicles?category=disconnected');
      expect(disconnected.body.vehicles.map((v: { id: string }) => v.id)).toEqual([first.id]);
    });

    it('GET /v1/fleet/vehicles › unknown category, status or provider, bad limit or cursor → 400 listing each', async () => {
      const answer = await listed.call(
        'GET',
        '/v1/fleet/vehicles?category=broken&status=lost&provider=tesla&limit=0&cursor=abc',
      );
      expect(answer.status).toBe(400);
      expect(answer.body.problems.map((p: { code: string }) => p.code)).toEqual([
        'unknown_category',
        'unknown_status',
        'unknown_provider',
        'invalid_limit',
        'invalid_cursor',
      ]);
    });
  });

  describe('limits', () => {
    it('POST …/validate › past VALIDATIONS_PER_FLEET in the window → 429 with Retry-After, and the vehicle stays pending', async () => {
      const limited = await startKeyturn({ VALIDATIONS_PER_FLEET: '2' });
      try {
        const small = await registerTestFleet(limited);
        const ids = (await register(small, [targa(960), targa(961), targa(962)])).body.vehicles.map(
          (v: { id: string }) => v.id,
        );
        expect((await small.call('POST', `/v1/fleet/vehicles/${ids[0]}/validate`)).status).toBe(202);
        expect((await small.call('POST', `/v1/fleet/vehicles/${ids[1]}/validate`)).status).toBe(202);
        const refused = await small.call('POST', `/v1/fleet/vehicles/${ids[2]}/validate`);
        expect(refused).toMatchObject({ status: 429, body: { error: 'too_many_validations' } });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect((await small.call('GET', `/v1/fleet/vehicles/${ids[2]}`)).body.validation_status).toBe(
          'pending',
        );
        const otherFleet = await registerTestFleet(limited);
        const theirs = (await register(otherFleet, [targa(963)])).body.vehicles[0].id;
        expect((await otherFleet.call('POST', `/v1/fleet/vehicles/${theirs}/validate`)).status).toBe(202);
      } finally {
        await limited.close();
      }
    });
  });

  describe('tenant isolation', () => {
    it('another fleet’s vehicle id → 404 on GET, PATCH, DELETE and validate, exactly as an unknown id; nothing changes', async () => {
      const mine = (await register(fleet, [targa(700)])).body.vehicles[0].id as string;
      const attempts = [
        ['GET', `/v1/fleet/vehicles/${mine}`, undefined],
        ['PATCH', `/v1/fleet/vehicles/${mine}`, { odometer: 5 }],
        ['DELETE', `/v1/fleet/vehicles/${mine}`, undefined],
        ['POST', `/v1/fleet/vehicles/${mine}/validate`, undefined],
        ['GET', '/v1/fleet/vehicles/veh_00000000000000000000000000000', undefined],
      ] as const;
      for (const [method, path, body] of attempts) {
        const answer = await other.call(method, path, body);
        expect(answer).toMatchObject({ status: 404, body: { error: 'unknown_vehicle' } });
      }
      const listedByOther = await other.call('GET', `/v1/fleet/vehicles?q=${tracker(700)}`);
      expect(listedByOther.body.vehicles).toEqual([]);
      const still = await fleet.call('GET', `/v1/fleet/vehicles/${mine}`);
      expect(still.body).toMatchObject({ validation_status: 'pending', odometer: null });
      expect(still.body.changelog).toHaveLength(1);
    });
  });

  describe('updates', () => {
    it('PATCH /v1/fleet/vehicles/{id} › object_id and odometer change; an unknown field or a bad value → 400; nothing changes', async () => {
      const id = (await register(fleet, [targa(800)])).body.vehicles[0].id as string;
      const changed = await fleet.call('PATCH', `/v1/fleet/vehicles/${id}`, {
        object_id: { license_plate: 'K-KT 800', make: 'Ford' },
        odometer: 1200,
      });
      expect(changed).toMatchObject({ status: 200, body: { odometer: 1200, object_id: { make: 'Ford' } } });
      const refused = await fleet.call('PATCH', `/v1/fleet/vehicles/${id}`, {
        provider: 'bmw',
        odometer: 'far',
      });
      expect(refused.status).toBe(400);
      expect(refused.body.problems.map((p: { code: string }) => p.code)).toEqual([
        'field_not_changeable',
        'invalid_odometer',
      ]);
      expect((await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body.odometer).toBe(1200);
    });

    it('PATCH /v1/fleet/vehicles/{id} › a tracker id another live vehicle of the fleet has → 409 already_registered', async () => {
      const [a, b] = (await register(fleet, [targa(810), targa(811)])).body.vehicles;
      const answer = await fleet.call('PATCH', `/v1/fleet/vehicles/${b.id}`, { tracker_id: tracker(810) });
      expect(answer).toMatchObject({ status: 409, body: { error: 'already_registered' } });
      expect((await fleet.call('GET', `/v1/fleet/vehicles/${a.id}`)).body.tracker_id).toBe(tracker(810));
      expect((await fleet.call('GET', `/v1/fleet/vehicles/${b.id}`)).body.tracker_id).toBe(tracker(811));
    });
  });
});
