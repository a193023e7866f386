// POST /callbacks/:provider — the makers' signed `authorization_changed` events, signed here from the
// Standard Webhooks spec with node:crypto (independent of the library Keyturn verifies with).
import { randomBytes } from 'node:crypto';
import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { applyClearanceEvent } from '../../src/relay/apply-clearance-event.ts';
import type { RunningKeyturn } from '../support/keyturn.ts';
import { registerTestApp, registerTestConsumer } from '../support/keyturn.ts';
import { newWebhookId, standardWebhookSignature } from '../support/maker-callbacks.ts';
import {
  authorizationOf,
  clearanceStatus,
  type GrantedClearance,
  grantClearance,
  introspect,
  type OemWorld,
  startKeyturnWithOem,
  startOemWorld,
} from '../support/relay.ts';
import { discover } from '../support/relying-party.ts';

interface CallbackOptions {
  provider?: string;
  /** Defaults to the BMW secret of the world. */
  secret?: string;
  id?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Sign this body but send `body` (to tamper after signing). */
  signedBody?: string;
  omit?: ('webhook-id' | 'webhook-timestamp' | 'webhook-signature')[];
  signature?: string;
}

function authorizationChanged(
  clearance: { id: string; vin: string },
  status: string,
  timestamp = new Date(),
): string {
  return JSON.stringify({
    type: 'authorization_changed',
    timestamp: timestamp.toISOString(),
    data: { clearance_id: clearance.id, vin: clearance.vin, status },
  });
}

function locationChanged(clearance: { id: string; vin: string }, timestamp = new Date()): string {
  return JSON.stringify({
    type: 'vehicle_location_changed',
    timestamp: timestamp.toISOString(),
    data: { clearance_id: clearance.id, vin: clearance.vin, latitude: 48.1, longitude: 11.6 },
  });
}

describe('POST /callbacks/:provider', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let consumer: { client_id: string; client_secret: string };
  let owners = 0;

  beforeAll(async () => {
    world = await startOemWorld();
    keyturn = await startKeyturnWithOem(world);
    app = await registerTestApp(keyturn);
    consumer = await registerTestConsumer(keyturn);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
  });

  const bmwSecret = () => world.secrets.bmw?.webhookSecret ?? '';

  async function postCallback(body: string, options: CallbackOptions = {}): Promise<Response> {
    const id = options.id ?? newWebhookId();
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature':
        options.signature ??
        standardWebhookSignature(options.secret ?? bmwSecret(), id, timestamp, options.signedBody ?? body),
    };
    for (const name of options.omit ?? []) delete headers[name];
    return fetch(`${keyturn.url}/callbacks/${options.provider ?? 'bmw'}`, { method: 'POST', headers, body });
  }

  /** A fresh owner's consent, sent to the maker (`pending_validation`). */
  async function waitingClearance(): Promise<GrantedClearance> {
    owners++;
    const granted = await grantClearance(keyturn, app, { email: `callback.owner${owners}@example.com` });
    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_validation');
    return granted;
  }

  /** Everything observable about a clearance that a refused callback must leave alone. */
  async function snapshot(clearanceId: string) {
    return {
      status: await clearanceStatus(keyturn, clearanceId),
      transitions: (await keyturn.repositories.clearances.transitions(clearanceId)).length,
      appWebhooks: await keyturn.repositories.outbox.pending('app_webhook'),
    };
  }

  async function expectRefused(
    granted: GrantedClearance,
    send: () => Promise<Response>,
    status: number,
  ): Promise<void> {
    const before = await snapshot(granted.clearance.id);
    const response = await send();
    expect(response.status).toBe(status);
    expect(await snapshot(granted.clearance.id)).toEqual(before);
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'pending',
      vehicle_status: 'pending_validation',
    });
  }

  it('maker › signed `approved` → 200, clearance pending_for_data and every token of the grant active', async () => {
    const granted = await waitingClearance();
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });

    const response = await postCallback(authorizationChanged(granted.clearance, 'approved'));
    expect(response.status).toBe(200);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_for_data');
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'approved',
      vehicle_status: 'pending_for_data',
    });
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toMatchObject({
      active: true,
      authorization_status: 'approved',
      vehicle_status: 'pending_for_data',
      vin: granted.vin,
      brand: 'bmw',
    });
  });

  it('maker › `approved` flips a token refreshed before the approval too (every token of the grant)', async () => {
    owners++;
    const granted = await grantClearance(keyturn, app, {
      email: `callback.owner${owners}@example.com`,
      scope: 'openid offline_access location mileage',
    });
    await keyturn.worker.drain();
    expect(granted.tokens.refresh_token).toBeTruthy();
    const refreshed = await oauth.refreshTokenGrant(
      await discover(keyturn.url, app),
      granted.tokens.refresh_token ?? '',
    );
    expect(refreshed.access_token).not.toBe(granted.tokens.access_token);
    expect(await introspect(keyturn.url, consumer, refreshed.access_token)).toEqual({ active: false });

    expect((await postCallback(authorizationChanged(granted.clearance, 'approved'))).status).toBe(200);
    for (const token of [granted.tokens.access_token, refreshed.access_token])
      expect(await introspect(keyturn.url, consumer, token)).toMatchObject({
        active: true,
        authorization_status: 'approved',
      });
  });

  it.each([
    ['all three webhook headers', ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const],
    ['webhook-signature', ['webhook-signature'] as const],
    ['webhook-id', ['webhook-id'] as const],
    ['webhook-timestamp', ['webhook-timestamp'] as const],
  ])('maker › missing %s → 401 and no change', async (_name, omit) => {
    const granted = await waitingClearance();
    await expectRefused(
      granted,
      () => postCallback(authorizationChanged(granted.clearance, 'approved'), { omit: [...omit] }),
      401,
    );
  });

  it('maker › wrong signature → 401 and no change', async () => {
    const granted = await waitingClearance();
    const body = authorizationChanged(granted.clearance, 'approved');
    await expectRefused(
      granted,
      () => postCallback(body, { signature: `v1,${randomBytes(32).toString('base64')}` }),
      401,
    );
    // A signature of the right body under a different scheme version is no signature either.
    const id = newWebhookId();
    const timestamp = Math.floor(Date.now() / 1000);
    const v1 = standardWebhookSignature(bmwSecret(), id, timestamp, body);
    await expectRefused(
      granted,
      () => postCallback(body, { id, timestamp, signature: `v2,${v1.slice(3)}` }),
      401,
    );
  });

  it('maker › body changed by one byte after signing → 401 and no change', async () => {
    const granted = await waitingClearance();
    const signed = authorizationChanged(granted.clearance, 'approved');
    const tampered = signed.replace('"approved"', '"approvee"');
    expect(tampered).not.toBe(signed);
    expect(tampered.length).toBe(signed.length);
    await expectRefused(granted, () => postCallback(tampered, { signedBody: signed }), 401);
    // Even a change that keeps the JSON meaning (one trailing space) breaks the signature.
    await expectRefused(granted, () => postCallback(`${signed} `, { signedBody: signed }), 401);
  });

  it('maker › timestamp 6 minutes old or 6 minutes in the future → 401 and no change', async () => {
    const granted = await waitingClearance();
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 360, now + 360]) {
      await expectRefused(
        granted,
        () => postCallback(authorizationChanged(granted.clearance, 'approved'), { timestamp }),
        401,
      );
    }
  });

  it('maker › clock 4 minutes behind (just inside the 5-minute tolerance) → accepted', async () => {
    const granted = await waitingClearance();
    const timestamp = Math.floor(Date.now() / 1000) - 240;
    const response = await postCallback(authorizationChanged(granted.clearance, 'approved'), { timestamp });
    expect(response.status).toBe(200);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_for_data');
  });

  it('maker › clock 4 minutes ahead (just inside the 5-minute tolerance) → accepted', async () => {
    const granted = await waitingClearance();
    const timestamp = Math.floor(Date.now() / 1000) + 240;
    const response = await postCallback(authorizationChanged(granted.clearance, 'rejected'), { timestamp });
    expect(response.status).toBe(200);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_rejected');
  });

  it("maker › another provider's secret (mercedes-benz) on /callbacks/bmw → 401 and no change", async () => {
    const granted = await waitingClearance();
    const mercedes = world.secrets['mercedes-benz']?.webhookSecret;
    expect(mercedes).toMatch(/^whsec_/);
    expect(mercedes).not.toBe(bmwSecret());
    await expectRefused(
      granted,
      () => postCallback(authorizationChanged(granted.clearance, 'approved'), { secret: mercedes }),
      401,
    );
  });

  it('maker › a BMW clearance called back on /callbacks/mercedes-benz with that provider’s secret → 404 and no change', async () => {
    const granted = await waitingClearance();
    await expectRefused(
      granted,
      () =>
        postCallback(authorizationChanged(granted.clearance, 'approved'), {
          provider: 'mercedes-benz',
          secret: world.secrets['mercedes-benz']?.webhookSecret,
        }),
      404,
    );
  });

  it('maker › malformed JSON, correctly signed → 400 and no change', async () => {
    const granted = await waitingClearance();
    const body = authorizationChanged(granted.clearance, 'approved').slice(0, -1);
    expect(() => JSON.parse(body)).toThrow();
    await expectRefused(granted, () => postCallback(body), 400);
  });

  it('maker › unknown status value, correctly signed → 400 and no change', async () => {
    const granted = await waitingClearance();
    await expectRefused(
      granted,
      () => postCallback(authorizationChanged(granted.clearance, 'exploded')),
      400,
    );
  });

  it('maker › unknown clearance_id → 404, nothing created and the event id not consumed', async () => {
    const granted = await waitingClearance();
    const count = async (table: string) => {
      const [row] = await keyturn.database.query()(table).count<{ count: number | string }[]>({ count: '*' });
      return Number(row?.count);
    };
    const before = { clearances: await count('clearances'), inbound: await count('inbound_events') };
    const id = newWebhookId();
    await expectRefused(
      granted,
      () =>
        postCallback(authorizationChanged({ id: 'no-such-clearance', vin: granted.vin }, 'approved'), { id }),
      404,
    );
    expect(await keyturn.repositories.clearances.find('no-such-clearance')).toBeUndefined();
    expect({ clearances: await count('clearances'), inbound: await count('inbound_events') }).toEqual(before);
  });

  it('maker › the same webhook-id delivered twice → both 2xx, one audit row and one queued app webhook', async () => {
    const granted = await waitingClearance();
    const before = await snapshot(granted.clearance.id);
    const body = authorizationChanged(granted.clearance, 'approved');
    const id = newWebhookId();
    const first = await postCallback(body, { id });
    const second = await postCallback(body, { id });
    expect(first.status).toBeGreaterThanOrEqual(200);
    expect(first.status).toBeLessThan(300);
    expect(second.status).toBeGreaterThanOrEqual(200);
    expect(second.status).toBeLessThan(300);

    const transitions = await keyturn.repositories.clearances.transitions(granted.clearance.id);
    expect(transitions).toHaveLength(before.transitions + 1);
    expect(transitions.at(-1)).toMatchObject({
      from_status: 'pending_validation',
      to_status: 'pending_for_data',
    });
    expect(await keyturn.repositories.outbox.pending('app_webhook')).toBe(before.appWebhooks + 1);
    await keyturn.worker.drain();
  });

  it('maker › a position event redelivered (same webhook-id) after a later data error → 2xx, ignored, stays error_data', async () => {
    const granted = await waitingClearance();
    const approvedAt = Date.now() - 2_000;
    expect(
      (await postCallback(authorizationChanged(granted.clearance, 'approved', new Date(approvedAt)))).status,
    ).toBe(200);
    const position = JSON.stringify({
      type: 'vehicle_location_changed',
      timestamp: new Date(approvedAt + 1_000).toISOString(),
      data: { clearance_id: granted.clearance.id, vin: granted.vin, latitude: 48.1, longitude: 11.6 },
    });
    const id = newWebhookId();
    expect((await postCallback(position, { id })).status).toBe(200);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('connected');
    // Keyturn itself notices the data stopped (an event without a source timestamp).
    const missing = await applyClearanceEvent(keyturn.relay, {
      clearanceId: granted.clearance.id,
      event: 'data_missing',
      cause: 'test',
    });
    expect(missing.outcome).toBe('changed');
    const before = await snapshot(granted.clearance.id);
    expect(before.status).toBe('error_data');

    // error_data → connected is an allowed move; only recognising the redelivery keeps it from happening.
    const again = await postCallback(position, { id });
    expect(again.status).toBeGreaterThanOrEqual(200);
    expect(again.status).toBeLessThan(300);
    expect(await snapshot(granted.clearance.id)).toEqual(before);
  });

  it('maker › ten parallel deliveries of the same event → all 2xx and exactly one change', async () => {
    const granted = await waitingClearance();
    const before = await snapshot(granted.clearance.id);
    const body = authorizationChanged(granted.clearance, 'approved');
    const id = newWebhookId();
    const timestamp = Math.floor(Date.now() / 1000);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => postCallback(body, { id, timestamp })),
    );
    for (const response of responses) {
      expect(response.status).toBeGreaterThanOrEqual(200);
      expect(response.status).toBeLessThan(300);
    }
    expect(await keyturn.repositories.clearances.transitions(granted.clearance.id)).toHaveLength(
      before.transitions + 1,
    );
    expect(await keyturn.repositories.outbox.pending('app_webhook')).toBe(before.appWebhooks + 1);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_for_data');
    await keyturn.worker.drain();
  });

  it('maker › ten parallel deliveries of the same event under distinct webhook-ids → still one change', async () => {
    const granted = await waitingClearance();
    const before = await snapshot(granted.clearance.id);
    const body = authorizationChanged(granted.clearance, 'approved');
    const responses = await Promise.all(Array.from({ length: 10 }, () => postCallback(body)));
    for (const response of responses) expect(response.status).toBe(200);
    expect(await keyturn.repositories.clearances.transitions(granted.clearance.id)).toHaveLength(
      before.transitions + 1,
    );
    expect(await keyturn.repositories.outbox.pending('app_webhook')).toBe(before.appWebhooks + 1);
    await keyturn.worker.drain();
  });

  it('maker › out of order: `revoked` (later) applied, then `approved` (earlier) → ignored, stays error_revoke', async () => {
    const granted = await waitingClearance();
    const now = Date.now();
    const revoked = await postCallback(authorizationChanged(granted.clearance, 'revoked', new Date(now)));
    expect(revoked.status).toBe(200);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_revoke');
    const before = await snapshot(granted.clearance.id);

    const late = await postCallback(
      authorizationChanged(granted.clearance, 'approved', new Date(now - 60_000)),
    );
    expect(late.status).toBeGreaterThanOrEqual(200);
    expect(late.status).toBeLessThan(300);
    expect(await snapshot(granted.clearance.id)).toEqual(before);
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'revoked',
      vehicle_status: 'error_revoke',
    });
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
  });

  it('maker › an event older than the last applied one is ignored even where the state machine would allow it', async () => {
    const granted = await waitingClearance();
    const now = Date.now();
    expect(
      (await postCallback(authorizationChanged(granted.clearance, 'approved', new Date(now)))).status,
    ).toBe(200);
    const before = await snapshot(granted.clearance.id);
    expect(before.status).toBe('pending_for_data');

    // pending_for_data → connected is an allowed move, but this first position was taken before the approval.
    const stale = await postCallback(locationChanged(granted.clearance, new Date(now - 60_000)));
    expect(stale.status).toBe(200);
    expect(await stale.json()).toEqual({ outcome: 'stale' });
    expect(await snapshot(granted.clearance.id)).toEqual(before);
  });

  it('maker › a revocation older than the last applied event still ends access: an event that ends access is never stale', async () => {
    const granted = await waitingClearance();
    const now = Date.now();
    await postCallback(authorizationChanged(granted.clearance, 'approved', new Date(now)));
    const late = await postCallback(
      authorizationChanged(granted.clearance, 'revoked', new Date(now - 60_000)),
    );
    expect(late.status).toBe(200);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_revoke');
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
  });

  it('maker › an approval stamped an hour ahead does not make the real revocation after it stale', async () => {
    const granted = await waitingClearance();
    const approved = await postCallback(
      authorizationChanged(granted.clearance, 'approved', new Date(Date.now() + 3_600_000)),
    );
    expect(approved.status).toBe(200);
    // A data event right after, truthfully stamped: not earlier than the approval's time of receipt.
    const located = await postCallback(locationChanged(granted.clearance, new Date()));
    expect(await located.json()).toMatchObject({ outcome: 'changed' });
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('connected');
    const revoked = await postCallback(authorizationChanged(granted.clearance, 'revoked', new Date()));
    expect(await revoked.json()).toEqual({ outcome: 'changed' });
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
  });

  it.each([
    ['error_revoke', 'revoked'],
    ['error_rejected', 'rejected'],
    ['disconnected', undefined],
  ] as const)(
    'maker › a signed `approved` stamped later than its end leaves %s as it is: 2xx, no change, inactive, no app webhook',
    async (ended, byMaker) => {
      const granted = await waitingClearance();
      const endedAt = Date.now() - 1_000;
      if (byMaker) await postCallback(authorizationChanged(granted.clearance, byMaker, new Date(endedAt)));
      else await oauth.tokenRevocation(await discover(keyturn.url, app), granted.tokens.access_token);
      expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe(ended);
      const before = await snapshot(granted.clearance.id);

      const late = await postCallback(authorizationChanged(granted.clearance, 'approved', new Date()));
      expect(late.status).toBeGreaterThanOrEqual(200);
      expect(late.status).toBeLessThan(300);
      expect(await snapshot(granted.clearance.id)).toEqual(before);
      expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
    },
  );

  it('maker › `rejected` → error_rejected, authorization rejected and introspection exactly {"active":false}', async () => {
    const granted = await waitingClearance();
    const response = await postCallback(authorizationChanged(granted.clearance, 'rejected'));
    expect(response.status).toBe(200);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_rejected');
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'rejected',
      vehicle_status: 'error_rejected',
    });
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
  });

  it('maker › `revoked` after approval → error_revoke and the tokens introspect exactly {"active":false}', async () => {
    const granted = await waitingClearance();
    const approvedAt = Date.now() - 1_000;
    expect(
      (await postCallback(authorizationChanged(granted.clearance, 'approved', new Date(approvedAt)))).status,
    ).toBe(200);
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toMatchObject({
      active: true,
    });
    expect((await postCallback(authorizationChanged(granted.clearance, 'revoked'))).status).toBe(200);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_revoke');
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
  });
});
