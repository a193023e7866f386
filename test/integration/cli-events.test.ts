// `keyturn apps subscribe`, `keyturn webhooks test` and `keyturn usage`, run as real child processes against
// the test database beside a running Keyturn whose worker delivers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vehicleEventTypes } from '../../src/domain/vehicle-events.ts';
import { keyturnCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { startWebhookReceiver, verifyStandardWebhook, type WebhookReceiver } from '../support/relay.ts';

describe('keyturn CLI: events and usage', () => {
  let database: TestDatabase;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    database = await createTestDatabase();
    keyturn = await startKeyturn({ RELAY_POLL_MS: '50' }, database);
    keyturn.worker.start();
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await keyturn?.close();
    await receiver?.close();
    await database?.drop();
  });

  it('apps subscribe › sets the event types; an unknown type or no choice is refused and changes nothing', async () => {
    const app = await registerTestApp(keyturn, { webhookUrl: receiver.url });
    expect((await keyturn.repositories.apps.find(app.client_id))?.eventTypes).toEqual([]);
    const subscribed = await keyturnCli(database, [
      'apps',
      'subscribe',
      '--app',
      app.client_id,
      '--event',
      'vehicle_location_changed',
      '--event',
      'accident_reported',
    ]);
    expect(subscribed.code).toBe(0);
    expect(JSON.parse(subscribed.stdout)).toEqual({
      client_id: app.client_id,
      event_types: ['accident_reported', 'vehicle_location_changed'],
    });

    const unknown = await keyturnCli(database, [
      'apps',
      'subscribe',
      '--app',
      app.client_id,
      '--event',
      'door_opened',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown event type door_opened');
    const neither = await keyturnCli(database, ['apps', 'subscribe', '--app', app.client_id]);
    expect(neither.code).toBe(2);
    const listed = JSON.parse((await keyturnCli(database, ['apps', 'list'])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(listed.find((entry) => entry.client_id === app.client_id)?.event_types).toEqual([
      'accident_reported',
      'vehicle_location_changed',
    ]);

    const none = await keyturnCli(database, ['apps', 'subscribe', '--app', app.client_id, '--none']);
    expect(JSON.parse(none.stdout).event_types).toEqual([]);
  });

  it('apps add --event › subscribes at registration; an unknown type is refused', async () => {
    const added = await keyturnCli(database, [
      'apps',
      'add',
      '--name',
      'Events',
      '--redirect-uri',
      'https://events.example/callback',
      '--brand',
      'bmw',
      '--scope',
      'location',
      ...vehicleEventTypes.flatMap((type) => ['--event', type]),
    ]);
    expect(added.code).toBe(0);
    const app = await keyturn.repositories.apps.find(JSON.parse(added.stdout).client_id);
    expect(app?.eventTypes).toEqual([...vehicleEventTypes].sort());
    const refused = await keyturnCli(database, [
      'apps',
      'add',
      '--name',
      'Wrong',
      '--redirect-uri',
      'https://events.example/callback',
      '--brand',
      'bmw',
      '--scope',
      'location',
      '--event',
      'door_opened',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('unknown event type door_opened');
  });

  it('webhooks test › a signed ping reaches the endpoint and the attempt is printed', async () => {
    const app = await registerTestApp(keyturn, { webhookUrl: receiver.url });
    const tested = await keyturnCli(database, ['webhooks', 'test', '--app', app.client_id]);
    expect(tested.code).toBe(0);
    const output = JSON.parse(tested.stdout);
    expect(output).toMatchObject({ status_code: 204, error: null, url: receiver.url });
    const ping = receiver.received.find((delivery) => delivery.headers['webhook-id'] === output.webhook_id);
    expect(ping).toBeDefined();
    expect(verifyStandardWebhook(app.webhook_secret, ping?.headers ?? {}, ping?.body ?? '')).toBe(true);
    expect(JSON.parse(ping?.body ?? '{}')).toEqual({
      event: { type: 'ping', received_at: expect.any(String) },
      application: { id: app.client_id },
    });
    // Free: nothing on the ledger.
    expect(await keyturn.database.query()('usage_ledger').where({ client_id: app.client_id })).toEqual([]);

    const nowhere = await registerTestApp(keyturn);
    const refused = await keyturnCli(database, ['webhooks', 'test', '--app', nowhere.client_id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('has no webhook URL');
  });

  it('usage › the month’s statement as JSON and CSV, reconciling with the ledger; a bad month is refused', async () => {
    const app = await registerTestApp(keyturn);
    const ledger = keyturn.repositories.usageLedger;
    const line = (vin: string, event: number) => ({
      clientId: app.client_id,
      vin,
      clearanceId: `clr_${vin}`,
      eventType: 'accident_reported',
      eventId: `bmw:msg_${vin}_${event}`,
      month: '2027-05',
      listPriceCents: 12,
      monthlyCapCents: 669,
      receivedAt: Date.UTC(2027, 4, 2),
    });
    await keyturn.database.transaction(async () => {
      for (let event = 0; event < 60; event++) await ledger.charge(line('WBA00000000000001', event));
      for (let event = 0; event < 3; event++) await ledger.charge(line('WBA00000000000002', event));
    });
    const json = await keyturnCli(database, ['usage', '--app', app.client_id, '--month', '2027-05']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      month: '2027-05',
      currency: 'EUR',
      vehicles: [
        { vin: 'WBA00000000000001', events: 60, amount_cents: 669, capped: true },
        { vin: 'WBA00000000000002', events: 3, amount_cents: 36, capped: false },
      ],
      subtotal_cents: 705,
      discount_cents: 0,
      total_cents: 705,
    });
    const lines = await keyturn.database.query()('usage_ledger').where({ client_id: app.client_id });
    expect(lines.reduce((sum, row) => sum + Number(row.amount_cents), 0)).toBe(705);

    const csv = await keyturnCli(database, [
      'usage',
      '--app',
      app.client_id,
      '--month',
      '2027-05',
      '--format',
      'csv',
    ]);
    expect(csv.stdout.trim().split(/\r?\n/)).toEqual([
      'month,vin,events,amount_cents,capped',
      '2027-05,WBA00000000000001,60,669,true',
      '2027-05,WBA00000000000002,3,36,false',
      '2027-05,subtotal,,705,',
      '2027-05,discount,,0,',
      '2027-05,total,,705,',
    ]);
    for (const month of ['2027-13', '27-05', 'May']) {
      const refused = await keyturnCli(database, ['usage', '--app', app.client_id, '--month', month]);
      expect(refused.code).toBe(2);
    }
  });
});
