// Scale-out: several workers (here two Keyturn instances) claiming jobs from one database's outbox never
// send the same job twice (FOR UPDATE SKIP LOCKED on PostgreSQL; one writer at a time on SQLite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { RunningKeyturn } from '../support/keyturn.ts';
import { registerTestApp } from '../support/keyturn.ts';
import {
  type OemWorld,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  verifyStandardWebhook,
  type WebhookReceiver,
} from '../support/relay.ts';

describe('two workers on one database', () => {
  let world: OemWorld;
  let db: TestDatabase;
  let first: RunningKeyturn;
  let second: RunningKeyturn;
  let receiver: WebhookReceiver;
  let app: RegisteredApp;

  beforeAll(async () => {
    world = await startOemWorld();
    receiver = await startWebhookReceiver();
    db = await createTestDatabase();
    first = await startKeyturnWithOem(world, {}, db);
    second = await startKeyturnWithOem(world, {}, db);
    app = await registerTestApp(first, { webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await db?.drop();
    await world?.simulator.close();
    await receiver?.close();
  });

  async function enqueueWebhooks(count: number, prefix: string): Promise<string[]> {
    const vins: string[] = [];
    for (let i = 0; i < count; i++) {
      const vin = `WBA8E9G50${prefix}${String(i).padStart(6, '0')}`;
      vins.push(vin);
      await first.repositories.outbox.enqueue('app_webhook', {
        clearanceId: `race-${vin}`,
        clientId: app.client_id,
        vin,
        status: 'approved',
        occurredAt: Date.now(),
      });
    }
    return vins;
  }

  const deliveredVin = (body: string) => (JSON.parse(body) as { vehicle: { vin: string } }).vehicle.vin;

  it('two Keyturn instances drain 30 app webhooks concurrently › 30 deliveries, 30 distinct webhook-ids, none twice', async () => {
    const vins = await enqueueWebhooks(30, 'RA');
    expect(await first.repositories.outbox.pending('app_webhook')).toBe(30);

    const [ranByFirst, ranBySecond] = await Promise.all([first.worker.drain(), second.worker.drain()]);
    expect(ranByFirst + ranBySecond).toBe(30);

    expect(receiver.received).toHaveLength(30);
    const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
    expect(new Set(ids).size).toBe(30);
    expect(receiver.received.map((r) => deliveredVin(r.body)).sort()).toEqual([...vins].sort());
    for (const webhook of receiver.received)
      expect(verifyStandardWebhook(app.webhook_secret, webhook.headers, webhook.body)).toBe(true);
    expect(await second.repositories.outbox.pending('app_webhook')).toBe(0);
    expect(
      await first.repositories.webhookDeliveries.list({ clientId: app.client_id, limit: 100 }),
    ).toHaveLength(30);
  });

  it('four drains racing (two per instance) on 60 more jobs › still every job delivered exactly once', async () => {
    const before = receiver.received.length;
    const vins = await enqueueWebhooks(60, 'RB');

    const ran = await Promise.all([
      first.worker.drain(),
      second.worker.drain(),
      second.worker.drain(),
      first.worker.drain(),
    ]);
    expect(ran.reduce((sum, n) => sum + n, 0)).toBe(60);

    const batch = receiver.received.slice(before);
    expect(batch).toHaveLength(60);
    expect(new Set(batch.map((r) => String(r.headers['webhook-id']))).size).toBe(60);
    expect(batch.map((r) => deliveredVin(r.body)).sort()).toEqual([...vins].sort());
  });
});
