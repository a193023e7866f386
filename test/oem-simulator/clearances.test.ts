import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiKeys,
  buildSimulator,
  clearanceBody,
  createClearance,
  postClearance,
  startReceiver,
} from './support.ts';

let sim: Awaited<ReturnType<typeof buildSimulator>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeEach(async () => {
  sim = await buildSimulator();
  receiver = await startReceiver();
});

afterEach(async () => {
  await sim.close();
  await receiver.close();
});

describe('POST /:provider/clearances', () => {
  it('answers 201 pending_validation and emails the primary user a portal link naming the VIN', async () => {
    const response = await postClearance(sim.url, clearanceBody({ callback_url: receiver.url }));

    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; status: string };
    expect(body).toEqual({ id: expect.any(String), status: 'pending_validation' });
    expect(sim.mails).toHaveLength(1);
    const [mail] = sim.mails;
    expect(mail?.to).toBe('owner@example.test');
    expect(mail?.subject).toContain('WBA8E9C50GK123456');
    expect(mail?.text).toContain('WBA8E9C50GK123456');
    expect(mail?.text).toContain('Charge Buddy');
    // Known data points are named by their label; unknown ids are shown as they are.
    expect(mail?.text).toContain('vehicle_location, Mileage');
    expect(mail?.text).toContain(`${sim.url}/bmw/portal/${body.id}`);
  });

  it('emails in German when the request asks for locale de', async () => {
    await postClearance(sim.url, clearanceBody({ locale: 'de' }));

    expect(sim.mails[0]?.subject).toBe('Anfrage zum Datenzugriff für Ihr Fahrzeug WBA8E9C50GK123456');
    expect(sim.mails[0]?.text).toContain('FIN WBA8E9C50GK123456');
  });

  it('answers the same clearance for a repeated Idempotency-Key', async () => {
    const first = await postClearance(sim.url, clearanceBody(), { key: 'same-key' });
    const second = await postClearance(sim.url, clearanceBody(), { key: 'same-key' });

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(await first.json());
    expect(sim.knobs.clearances()).toHaveLength(1);
    expect(sim.mails).toHaveLength(1);
  });

  it('creates one clearance when two requests with the same Idempotency-Key race', async () => {
    const [a, b] = await Promise.all([
      postClearance(sim.url, clearanceBody(), { key: 'racing-key' }),
      postClearance(sim.url, clearanceBody(), { key: 'racing-key' }),
    ]);

    expect([a?.status, b?.status].sort()).toEqual([200, 201]);
    expect(sim.knobs.clearances()).toHaveLength(1);
    expect(sim.mails).toHaveLength(1);
  });

  it('refuses a reused Idempotency-Key with a different body with 422', async () => {
    await postClearance(sim.url, clearanceBody(), { key: 'reused' });
    const response = await postClearance(sim.url, clearanceBody({ clearance_id: 'other' }), {
      key: 'reused',
    });

    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: 'idempotency_key_reused' });
    expect(sim.knobs.clearances()).toHaveLength(1);
  });

  it('answers 422 unknown_vin for a VIN ending in 000000 and sends no mail', async () => {
    const response = await postClearance(sim.url, clearanceBody({ vin: 'WBA8E9C50GK000000' }));

    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ error: 'unknown_vin' });
    expect(sim.knobs.clearances()).toHaveLength(0);
    expect(sim.mails).toHaveLength(0);
  });

  it('answers 401 unauthorized for a wrong, missing or other provider’s API key', async () => {
    for (const apiKey of ['wrong', null, apiKeys['mercedes-benz']]) {
      const response = await postClearance(sim.url, clearanceBody(), { apiKey });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized' });
    }
    expect(sim.knobs.clearances()).toHaveLength(0);
  });

  it('answers 404 for an unknown provider', async () => {
    const response = await postClearance(sim.url, clearanceBody(), { provider: 'tesla' });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found' });
  });

  it('answers 400 invalid_request without an Idempotency-Key', async () => {
    const response = await postClearance(sim.url, clearanceBody(), { key: null });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      detail: expect.stringMatching(/Idempotency-Key/),
    });
  });

  it('answers 400 invalid_request naming the field for an invalid body', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [clearanceBody({ vin: 'WBA8E9C50GK12345' }), /vin/],
      [clearanceBody({ vin: 'WBA8E9C50GK12345O' }), /vin/],
      [clearanceBody({ callback_url: 'ftp://example.test/cb' }), /callback_url/],
      [clearanceBody({ data_points: [] }), /data_points/],
      [clearanceBody({ primary_user_hint: undefined }), /primary_user_hint/],
      [clearanceBody({ locale: 'fr' }), /locale/],
      ['{"clearance_id":', /could not be parsed/],
    ];
    for (const [body, detail] of cases) {
      const response = await postClearance(sim.url, body);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        detail: expect.stringMatching(detail),
      });
    }
    expect(sim.knobs.clearances()).toHaveLength(0);
  });
});

describe('GET /:provider/clearances/:id', () => {
  it('returns the clearance’s state', async () => {
    const id = await createClearance(sim.url, receiver.url);

    const response = await fetch(`${sim.url}/bmw/clearances/${id}`, {
      headers: { authorization: `Bearer ${apiKeys.bmw}` },
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id,
      status: 'pending_validation',
      clearance_id: 'clr_keyturn_1',
      vin: 'WBA8E9C50GK123456',
      data_points: ['vehicle_location', 'mileage'],
    });
  });

  it('answers 404 for a clearance of another provider', async () => {
    const id = await createClearance(sim.url, receiver.url);

    const response = await fetch(`${sim.url}/mercedes-benz/clearances/${id}`, {
      headers: { authorization: `Bearer ${apiKeys['mercedes-benz']}` },
    });

    expect(response.status).toBe(404);
  });
});

describe('DELETE /:provider/clearances/:id', () => {
  it('answers 204 and revokes the clearance without a callback', async () => {
    const id = await createClearance(sim.url, receiver.url);
    sim.knobs.decide(id, 'approve');
    await sim.knobs.pendingDeliveries();
    const before = receiver.received.length;

    const response = await fetch(`${sim.url}/bmw/clearances/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${apiKeys.bmw}` },
    });
    await sim.knobs.pendingDeliveries();

    expect(response.status).toBe(204);
    expect(sim.knobs.clearances()[0]?.status).toBe('revoked');
    expect(receiver.received).toHaveLength(before);
  });

  it('answers 404 for an unknown id and 401 without the API key', async () => {
    const unknown = await fetch(`${sim.url}/bmw/clearances/sim_nope`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${apiKeys.bmw}` },
    });
    const anonymous = await fetch(`${sim.url}/bmw/clearances/sim_nope`, { method: 'DELETE' });

    expect(unknown.status).toBe(404);
    expect(anonymous.status).toBe(401);
  });
});
