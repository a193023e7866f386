// Vehicle events: a maker's signed event for an approved clearance goes on to the app that subscribed, in
// the makers' envelope, signed, with `data` cut to the grant's scopes, and is charged once on the usage
// ledger; everything else is taken in and dropped, or refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { type VehicleEventType, vehicleEventTypes } from '../../src/domain/vehicle-events.ts';
import { acceptVehicleEvent } from '../../src/relay/accept-vehicle-event.ts';
import { usageStatement } from '../../src/usage/statement.ts';
import type { RunningKeyturn } from '../support/keyturn.ts';
import { registerTestApp } from '../support/keyturn.ts';
import { callbackBody, everyProperty, newWebhookId, postSignedCallback } from '../support/maker-callbacks.ts';
import {
  clearanceStatus,
  type GrantedClearance,
  grantClearance,
  type OemWorld,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  verifyStandardWebhook,
  type WebhookReceiver,
} from '../support/relay.ts';

describe('vehicle events', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let located: RegisteredApp;
  let owners = 0;

  beforeAll(async () => {
    world = await startOemWorld();
    keyturn = await startKeyturnWithOem(world);
    receiver = await startWebhookReceiver();
    located = await registerTestApp(keyturn, {
      webhookUrl: receiver.url,
      scopes: ['location', 'mileage', 'battery_level'],
      eventTypes: [...vehicleEventTypes],
    });
  });
  afterAll(async () => {
    await keyturn?.close();
    await receiver?.close();
    await world?.simulator.close();
  });

  const bmwSecret = () => world.secrets.bmw?.webhookSecret ?? '';
  const post = (body: string, options: { id?: string; provider?: string; secret?: string } = {}) =>
    postSignedCallback({
      issuer: keyturn.url,
      provider: options.provider ?? 'bmw',
      secret: options.secret ?? bmwSecret(),
      body,
      id: options.id,
    });

  /** A fresh owner's consent to `app`, approved at the maker. */
  async function approvedClearance(
    app: RegisteredApp,
    scope = 'location mileage',
  ): Promise<GrantedClearance> {
    owners++;
    const granted = await grantClearance(keyturn, app, { email: `events.owner${owners}@example.com`, scope });
    await keyturn.worker.drain();
    const approved = await post(
      callbackBody('authorization_changed', granted.clearance, { status: 'approved' }),
    );
    expect(approved.status).toBe(200);
    await keyturn.worker.drain();
    return granted;
  }

  /** The deliveries of vehicle events about one clearance, parsed. */
  const eventsAbout = (clearanceId: string) =>
    receiver.received
      .map((delivery) => ({ ...delivery, json: JSON.parse(delivery.body) }))
      .filter((delivery) => delivery.json.vehicle?.serial_number === clearanceId);

  const ledgerLines = (clientId: string) =>
    keyturn.database.query()('usage_ledger').where({ client_id: clientId }).orderBy('id');

  it('each event type goes to the subscribed app in the envelope, signed, charged 12 cents, data cut to its scopes', async () => {
    const granted = await approvedClearance(located);
    for (const type of vehicleEventTypes) {
      const answer = await post(callbackBody(type, granted.clearance, everyProperty));
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ forwarded: true });
    }
    await keyturn.worker.drain();
    const delivered = eventsAbout(granted.clearance.id);
    expect(delivered.map((delivery) => delivery.json.event.type)).toEqual([...vehicleEventTypes]);
    const app = await keyturn.repositories.apps.find(located.client_id);
    for (const delivery of delivered) {
      expect(verifyStandardWebhook(located.webhook_secret, delivery.headers, delivery.body)).toBe(true);
      expect(delivery.json.vehicle).toEqual({ vin: granted.vin, serial_number: granted.clearance.id });
      expect(delivery.json.application).toEqual({ id: located.client_id });
      expect(delivery.json.event.action).toBe('automatic');
      expect(Date.parse(delivery.json.event.received_at)).toBeGreaterThan(Date.now() - 60_000);
      // The owner granted location and mileage (of the app's location, mileage and battery_level).
      for (const property of Object.keys(delivery.json.data))
        expect([
          'latitude',
          'longitude',
          'heading',
          'mileage',
          'battery_level',
          'mobile_connection',
          'vehicle_time',
        ]).toContain(property);
    }
    const accident = delivered.find((delivery) => delivery.json.event.type === 'accident_reported');
    expect(accident?.json.data).toEqual({
      latitude: everyProperty.latitude,
      longitude: everyProperty.longitude,
      heading: everyProperty.heading,
      mileage: everyProperty.mileage,
      mobile_connection: true,
      vehicle_time: everyProperty.vehicle_time,
    });
    expect(app?.eventTypes.length).toBe(vehicleEventTypes.length);
    const lines = (await ledgerLines(located.client_id)).filter(
      (line) => line.clearance_id === granted.clearance.id,
    );
    expect(lines.map((line) => [line.event_type, Number(line.amount_cents)])).toEqual(
      vehicleEventTypes.map((type) => [type, 12]),
    );
    // The first data moved the approved clearance to connected.
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('connected');
  });

  it('an app without the location scope receives no coordinates, in no event', async () => {
    const blind = await registerTestApp(keyturn, {
      webhookUrl: receiver.url,
      scopes: ['mileage'],
      eventTypes: [...vehicleEventTypes],
    });
    const granted = await approvedClearance(blind, 'mileage');
    for (const type of vehicleEventTypes) await post(callbackBody(type, granted.clearance, everyProperty));
    await keyturn.worker.drain();
    const delivered = eventsAbout(granted.clearance.id);
    expect(delivered).toHaveLength(vehicleEventTypes.length);
    for (const delivery of delivered) {
      expect(delivery.body).not.toContain('latitude');
      expect(delivery.body).not.toContain('longitude');
      expect(delivery.body).not.toContain(String(everyProperty.latitude));
    }
    // Nor is the location kept for it anywhere on the way: the queued job already holds only its data.
    const jobs = await keyturn.database
      .query()('outbox')
      .where('payload', 'like', `%${granted.clearance.id}%`);
    for (const job of jobs) expect(String(job.payload)).not.toContain('latitude');
  });

  it('the same event ten times in parallel → one delivery, one ledger line', async () => {
    const granted = await approvedClearance(located);
    const id = newWebhookId();
    const body = callbackBody('accident_reported', granted.clearance, everyProperty);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body, { id })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    await keyturn.worker.drain();
    expect(eventsAbout(granted.clearance.id)).toHaveLength(1);
    const lines = (await ledgerLines(located.client_id)).filter(
      (line) => line.clearance_id === granted.clearance.id,
    );
    expect(lines).toHaveLength(1);
  });

  it('an unsubscribed type is neither sent nor charged; a subscription made later takes effect', async () => {
    const picky = await registerTestApp(keyturn, {
      webhookUrl: receiver.url,
      eventTypes: ['accident_reported'],
    });
    const granted = await approvedClearance(picky);
    const answer = await post(callbackBody('vehicle_location_changed', granted.clearance, everyProperty));
    expect(await answer.json()).toMatchObject({ forwarded: false });
    await post(callbackBody('accident_reported', granted.clearance, everyProperty));
    await keyturn.worker.drain();
    expect(eventsAbout(granted.clearance.id).map((delivery) => delivery.json.event.type)).toEqual([
      'accident_reported',
    ]);
    expect((await ledgerLines(picky.client_id)).map((line) => line.event_type)).toEqual([
      'accident_reported',
    ]);
  });

  it('an event for a clearance that may not flow data (pending) is acknowledged and dropped', async () => {
    owners++;
    const granted = await grantClearance(keyturn, located, { email: `events.pending${owners}@example.com` });
    await keyturn.worker.drain();
    const answer = await post(callbackBody('accident_reported', granted.clearance, everyProperty));
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ outcome: 'dropped' });
    await keyturn.worker.drain();
    expect(eventsAbout(granted.clearance.id)).toHaveLength(0);
    expect(
      (await ledgerLines(located.client_id)).filter((line) => line.clearance_id === granted.clearance.id),
    ).toHaveLength(0);
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_validation');
  });

  it('an unknown event type → 400; another provider’s or an unknown clearance → 404; nothing queued or charged', async () => {
    const granted = await approvedClearance(located);
    const jobsBefore = await keyturn.repositories.outbox.pending();
    const linesBefore = (await ledgerLines(located.client_id)).length;
    expect((await post(callbackBody('door_opened', granted.clearance, everyProperty))).status).toBe(400);
    expect((await post(callbackBody('accident_reported', granted.clearance, { latitude: 123 }))).status).toBe(
      400,
    );
    const mercedes = world.secrets['mercedes-benz']?.webhookSecret ?? '';
    const body = callbackBody('accident_reported', granted.clearance, everyProperty);
    expect((await post(body, { provider: 'mercedes-benz', secret: mercedes })).status).toBe(404);
    const unknown = callbackBody('accident_reported', { id: 'clr_nobody', vin: granted.vin }, everyProperty);
    expect((await post(unknown)).status).toBe(404);
    expect(await keyturn.repositories.outbox.pending()).toBe(jobsBefore);
    expect((await ledgerLines(located.client_id)).length).toBe(linesBefore);
  });

  it('a subscriber down for a while → retried, delivered once, charged once; one given up on is credited back', async () => {
    const granted = await approvedClearance(located);
    receiver.failNext(3, 503);
    await post(callbackBody('emergency_reported', granted.clearance, everyProperty));
    for (let round = 0; round < 50 && eventsAbout(granted.clearance.id).length === 0; round++) {
      await keyturn.worker.drain();
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect(eventsAbout(granted.clearance.id)).toHaveLength(1);
    const lines = (await ledgerLines(located.client_id)).filter(
      (line) => line.clearance_id === granted.clearance.id,
    );
    expect(lines.map((line) => [line.entry, Number(line.amount_cents)])).toEqual([['charge', 12]]);

    // Gone for good (410): the delivery is given up on, and its charge credited back, once.
    const gone = await registerTestApp(keyturn, {
      webhookUrl: receiver.url,
      eventTypes: ['emergency_reported'],
    });
    const other = await approvedClearance(gone);
    receiver.failNext(1, 410);
    await post(callbackBody('emergency_reported', other.clearance, everyProperty));
    await keyturn.worker.drain();
    const goneLines = await ledgerLines(gone.client_id);
    expect(goneLines.map((line) => [line.entry, Number(line.amount_cents)])).toEqual([
      ['charge', 12],
      ['credit', -12],
    ]);
    const month = new Date().toISOString().slice(0, 7);
    const statement = await usageStatement(
      keyturn.repositories.usageLedger,
      keyturn.config.pricing,
      gone.client_id,
      month,
    );
    expect(statement.total_cents).toBe(0);
  });

  describe('pricing', () => {
    /** Takes an event in directly, as the callback does, at a chosen time of receipt (after the approval). */
    async function eventAt(
      granted: GrantedClearance,
      receivedAt: number,
      type: VehicleEventType = 'accident_reported',
    ) {
      return acceptVehicleEvent(keyturn.vehicleEvents, {
        clearanceId: granted.clearance.id,
        provider: 'bmw',
        vin: granted.vin,
        sourceEventId: `bmw:${newWebhookId()}`,
        type,
        occurredAt: receivedAt,
        receivedAt,
        data: everyProperty,
      });
    }

    it('the cap: 55 × 12 = 660, the 56th is charged the remaining 9 cents, the 57th nothing', async () => {
      const app = await registerTestApp(keyturn, {
        webhookUrl: receiver.url,
        eventTypes: ['accident_reported'],
      });
      const granted = await approvedClearance(app);
      const at = Date.UTC(2027, 2, 15);
      for (let event = 1; event <= 57; event++) await eventAt(granted, at + event);
      const amounts = (await ledgerLines(app.client_id)).map((line) => Number(line.amount_cents));
      expect(amounts.slice(0, 55)).toEqual(Array(55).fill(12));
      expect(amounts.slice(55)).toEqual([9, 0]);
      const statement = await usageStatement(
        keyturn.repositories.usageLedger,
        keyturn.config.pricing,
        app.client_id,
        '2027-03',
      );
      expect(statement.vehicles).toEqual([{ vin: granted.vin, events: 57, amount_cents: 669, capped: true }]);
      expect(statement.subtotal_cents).toBe(669);
      expect(statement.total_cents).toBe(669);
    });

    it('month boundaries: 23:59:59.999 UTC is charged to its month, 00:00 to the next, each with its own cap', async () => {
      const app = await registerTestApp(keyturn, {
        webhookUrl: receiver.url,
        eventTypes: ['accident_reported'],
      });
      const granted = await approvedClearance(app);
      await eventAt(granted, Date.UTC(2027, 0, 31, 23, 59, 59, 999));
      await eventAt(granted, Date.UTC(2027, 1, 1, 0, 0, 0, 0));
      const lines = await ledgerLines(app.client_id);
      expect(lines.map((line) => line.month)).toEqual(['2027-01', '2027-02']);
      const ledger = keyturn.repositories.usageLedger;
      const pricing = keyturn.config.pricing;
      expect((await usageStatement(ledger, pricing, app.client_id, '2027-01')).total_cents).toBe(12);
      expect((await usageStatement(ledger, pricing, app.client_id, '2027-02')).vehicles).toEqual([
        { vin: granted.vin, events: 1, amount_cents: 12, capped: false },
      ]);
    });

    it('parallel distinct events never charge past the cap', async () => {
      const app = await registerTestApp(keyturn, {
        webhookUrl: receiver.url,
        eventTypes: ['accident_reported'],
      });
      const granted = await approvedClearance(app);
      const at = Date.UTC(2027, 3, 10);
      await Promise.all(Array.from({ length: 70 }, (_, event) => eventAt(granted, at + event)));
      const amounts = (await ledgerLines(app.client_id)).map((line) => Number(line.amount_cents));
      expect(amounts).toHaveLength(70);
      expect(amounts.reduce((sum, amount) => sum + amount, 0)).toBe(669);
    });
  });
});
