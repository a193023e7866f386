// A fleet's vehicles through the connectivity states over real HTTP: the fleet API, the relay to the OEM
// simulator (a car maker asks the fleet's admin in its portal; a tracker provider pairs by itself), the
// signed callbacks back, and every change told to the fleet's webhook receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCredentialsToken,
  fleetVins,
  registerTestFleet,
  type TestFleet,
  uploadDocument,
} from '../support/fleet.ts';
import { newBrowser } from '../support/journey.ts';
import type { RunningKeyturn } from '../support/keyturn.ts';
import { callbackBody, everyProperty, postSignedCallback } from '../support/maker-callbacks.ts';
import {
  type OemWorld,
  portalLink,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  until,
  verifyStandardWebhook,
  type WebhookReceiver,
} from '../support/relay.ts';

describe('fleet vehicles through the connectivity states', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let fleet: TestFleet;
  const adminEmail = 'ops@rent-a-fleet.example';

  beforeAll(async () => {
    world = await startOemWorld();
    receiver = await startWebhookReceiver();
    keyturn = await startKeyturnWithOem(world);
    fleet = await registerTestFleet(keyturn, { adminEmail, webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
    await receiver?.close();
  });

  async function register(vehicles: unknown[]) {
    const answer = await fleet.call('POST', '/v1/fleet/vehicles', { vehicles });
    expect(answer.status).toBe(200);
    return answer.body.vehicles as { id: string; validation_status: string }[];
  }
  const statusOf = async (id: string) => (await fleet.call('GET', `/v1/fleet/vehicles/${id}`)).body;
  async function settle() {
    for (let round = 0; round < 3; round++) {
      await keyturn.worker.drain();
      await world.simulator.knobs.pendingDeliveries();
    }
    await keyturn.worker.drain();
  }
  const webhooksFor = (id: string) =>
    receiver.received
      .map((delivery) => ({ delivery, body: JSON.parse(delivery.body) }))
      .filter(({ body }) => body.vehicle.id === id);

  it('POST …/validate on a BMW › the admin approves in the portal, the vehicle connects, the fleet hears every step', async () => {
    const [bmw] = await register([
      { tracker_id: fleetVins.bmw, provider: 'bmw', type: 'oem', object_id: { license_plate: 'M-KT 1' } },
    ]);
    expect(bmw?.validation_status).toBe('pending');
    const id = bmw?.id as string;

    const validated = await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    expect(validated).toMatchObject({ status: 202, body: { id, validation_status: 'pending_validation' } });
    await settle();
    expect((await statusOf(id)).validation_status).toBe('pending_validation');

    const browser = newBrowser();
    const portal = await browser.follow(portalLink(world, adminEmail, fleetVins.bmw));
    await browser.submit(portal, { decision: 'approve' });
    await settle();
    const vehicle = await until(async () => {
      const current = await statusOf(id);
      return current.validation_status === 'connected' ? current : undefined;
    }, 'the BMW to connect');
    expect(vehicle).toMatchObject({
      status_category: 'connected',
      vin: fleetVins.bmw,
      tracker_id: fleetVins.bmw,
    });
    expect(vehicle.changelog.map((entry: { status: string }) => entry.status)).toEqual([
      'pending',
      'pending_validation',
      'pending_for_data',
      'connected',
    ]);
    expect(vehicle.changelog.map((entry: { reason: string }) => entry.reason)).toEqual([
      'fleet_registered',
      'fleet_validation_requested',
      'oem_approved',
      'oem_first_position',
    ]);

    await settle();
    // Deliveries may overtake each other (as webhooks do); the event's time orders them.
    const heard = webhooksFor(id).sort((a, b) =>
      a.body.event.received_at.localeCompare(b.body.event.received_at),
    );
    expect(heard.map(({ body }) => body.clearance.status)).toEqual([
      'pending_validation',
      'pending_for_data',
      'connected',
    ]);
    for (const { delivery, body } of heard) {
      expect(verifyStandardWebhook(fleet.webhook_secret, delivery.headers, delivery.body)).toBe(true);
      expect(body).toEqual({
        vehicle: { id, tracker_id: fleetVins.bmw, vin: fleetVins.bmw },
        event: {
          type: 'fleet_clearance_changed',
          received_at: expect.any(String),
          action: expect.any(String),
        },
        fleet: { id: fleet.fleet_id },
        clearance: { status: body.clearance.status },
      });
    }
    expect(heard.map(({ body }) => body.event.action)).toEqual(['manual', 'automatic', 'automatic']);
  });

  it('POST …/validate on a Targa tracker › it pairs by itself and connects without anyone asked', async () => {
    const mailsBefore = world.mails.length;
    const [targa] = await register([
      {
        tracker_id: 'TGA-358200',
        provider: 'targa',
        type: 'canbus',
        object_id: { vin: fleetVins.stellantis },
      },
    ]);
    const id = targa?.id as string;
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await settle();
    const vehicle = await until(async () => {
      await settle();
      const current = await statusOf(id);
      return current.validation_status === 'connected' ? current : undefined;
    }, 'the Targa tracker to connect');
    expect(vehicle.vin).toBe(fleetVins.stellantis);
    expect(world.mails.length).toBe(mailsBefore);
    expect(webhooksFor(id).map(({ body }) => body.vehicle)).toContainEqual({
      id,
      tracker_id: 'TGA-358200',
      vin: fleetVins.stellantis,
    });
  });

  it('a tracker id ending in 000000 › wrong_tracker_id in errors; corrected and validated again it goes to the provider anew', async () => {
    const unknown = 'WBA8E9G50GN000000';
    const [vehicle] = await register([{ tracker_id: unknown, provider: 'bmw', type: 'oem' }]);
    const id = vehicle?.id as string;
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await settle();
    expect(await statusOf(id)).toMatchObject({
      validation_status: 'wrong_tracker_id',
      status_category: 'errors',
    });
    const errors = await fleet.call('GET', '/v1/fleet/vehicles?category=errors');
    expect(errors.body.vehicles.map((v: { id: string }) => v.id)).toContain(id);

    const corrected = 'WBA8E9G50GNT10077';
    const patched = await fleet.call('PATCH', `/v1/fleet/vehicles/${id}`, { tracker_id: corrected });
    expect(patched).toMatchObject({ status: 200, body: { tracker_id: corrected, vin: corrected } });
    const again = await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    expect(again).toMatchObject({ status: 202, body: { validation_status: 'pending_validation' } });
    await settle();
    expect((await statusOf(id)).validation_status).toBe('pending_validation');
    expect(portalLink(world, adminEmail, corrected)).toContain('/portal/');
  });

  it('POST …/validate in a state that does not allow it › 409 with a code, and nothing changes', async () => {
    const [vehicle] = await register([{ tracker_id: 'TGA-409001', provider: 'targa', type: 'canbus' }]);
    const id = vehicle?.id as string;
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await until(async () => {
      await settle();
      return (await statusOf(id)).validation_status === 'connected' ? true : undefined;
    }, 'the tracker to connect');
    const changelogBefore = (await statusOf(id)).changelog;

    const refused = await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'validation_not_allowed' });
    expect((await statusOf(id)).changelog).toEqual(changelogBefore);
  });

  it('DELETE on a connected vehicle › disconnected, and the provider is asked to revoke its side', async () => {
    const [vehicle] = await register([{ tracker_id: 'CTK-777001', provider: 'cartrack', type: 'canbus' }]);
    const id = vehicle?.id as string;
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await until(async () => {
      await settle();
      return (await statusOf(id)).validation_status === 'connected' ? true : undefined;
    }, 'the tracker to connect');

    const removed = await fleet.call('DELETE', `/v1/fleet/vehicles/${id}`);
    expect(removed).toMatchObject({ status: 202, body: { id, validation_status: 'disconnected' } });
    await settle();
    const atProvider = world.simulator.knobs.clearances().find((clearance) => clearance.clearanceId === id);
    expect(atProvider?.status).toBe('revoked');
    expect(await statusOf(id)).toMatchObject({
      validation_status: 'disconnected',
      status_category: 'disconnected',
    });
  });

  it('DELETE on a pending vehicle › cancelled to disconnected; the tracker can be registered anew', async () => {
    const [vehicle] = await register([{ tracker_id: 'AST-100200', provider: 'astrata', type: 'obd' }]);
    const id = vehicle?.id as string;
    expect((await fleet.call('DELETE', `/v1/fleet/vehicles/${id}`)).status).toBe(202);
    expect((await statusOf(id)).validation_status).toBe('disconnected');
    const [again] = await register([{ tracker_id: 'AST-100200', provider: 'astrata', type: 'obd' }]);
    expect(again?.id).not.toBe(id);
    expect(again?.validation_status).toBe('pending');
  });

  it('a provider down during validation › the vehicle stays pending_validation and the request is retried until it lands', async () => {
    const [vehicle] = await register([{ tracker_id: 'WBA8E9G50GNT10088', provider: 'bmw', type: 'oem' }]);
    const id = vehicle?.id as string;
    world.simulator.knobs.failNextRequests(3, 503);
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await keyturn.worker.drain();
    expect((await statusOf(id)).validation_status).toBe('pending_validation');
    await until(async () => {
      await settle();
      return world.simulator.knobs.clearances().some((clearance) => clearance.clearanceId === id)
        ? true
        : undefined;
    }, 'the request to reach the provider');
    expect((await statusOf(id)).validation_status).toBe('pending_validation');
  });

  async function validatedAtMaker(vin: string) {
    const [vehicle] = await register([{ tracker_id: vin, provider: 'bmw', type: 'oem' }]);
    const id = vehicle?.id as string;
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await settle();
    const atMaker = world.simulator.knobs.clearances().find((clearance) => clearance.clearanceId === id);
    if (!atMaker) throw new Error(`no request at the maker for ${vin}`);
    return { id, atMaker: atMaker.id };
  }

  it('the admin rejects in the portal › error_rejected in errors, and the tracker id is free to register again', async () => {
    const { id, atMaker } = await validatedAtMaker('WBA8E9G50GNT10101');
    world.simulator.knobs.decide(atMaker, 'reject');
    await settle();
    expect(await statusOf(id)).toMatchObject({
      validation_status: 'error_rejected',
      status_category: 'errors',
    });
    const [again] = await register([{ tracker_id: 'WBA8E9G50GNT10101', provider: 'bmw', type: 'oem' }]);
    expect(again?.id).not.toBe(id);
  });

  it('the admin revokes at the maker after approval › error_revoke; the fleet hears it', async () => {
    const { id, atMaker } = await validatedAtMaker('WBA8E9G50GNT10102');
    world.simulator.knobs.decide(atMaker, 'approve');
    await settle();
    world.simulator.knobs.decide(atMaker, 'revoke');
    await settle();
    expect((await statusOf(id)).validation_status).toBe('error_revoke');
    expect(webhooksFor(id).at(-1)?.body.clearance.status).toBe('error_revoke');
  });

  it('the provider refuses the request › error_validating; validated again, it goes to the provider anew', async () => {
    const [vehicle] = await register([{ tracker_id: 'WBA8E9G50GNT10103', provider: 'bmw', type: 'oem' }]);
    const id = vehicle?.id as string;
    world.simulator.knobs.failNextRequests(1, 400);
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await settle();
    expect(await statusOf(id)).toMatchObject({
      validation_status: 'error_validating',
      status_category: 'errors',
    });
    const again = await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    expect(again).toMatchObject({ status: 202, body: { validation_status: 'pending_validation' } });
    await settle();
    expect(world.simulator.knobs.clearances().some((clearance) => clearance.clearanceId === id)).toBe(true);
  });

  it('the deadline passes › a vehicle waiting for validation times out; one never validated stays pending', async () => {
    const [waiting, idle] = await register([
      { tracker_id: 'WBA8E9G50GNT10104', provider: 'bmw', type: 'oem' },
      { tracker_id: 'WBA8E9G50GNT10105', provider: 'bmw', type: 'oem' },
    ]);
    await fleet.call('POST', `/v1/fleet/vehicles/${waiting?.id}/validate`);
    await settle();
    await keyturn.maintenance(Date.now() + (keyturn.config.relay.clearanceDeadline + 60) * 1000);
    // Housekeeping as of that time also swept the fleet's token, expired by then.
    fleet.token = await clientCredentialsToken(keyturn.url, fleet);
    expect((await statusOf(waiting?.id as string)).validation_status).toBe('error_time_out');
    expect((await statusOf(idle?.id as string)).validation_status).toBe('pending');
    const again = await fleet.call('POST', `/v1/fleet/vehicles/${waiting?.id}/validate`);
    expect(again).toMatchObject({ status: 202, body: { validation_status: 'pending_validation' } });
  });

  it('GET /v1/fleet/vehicles › the counts equal the vehicles per category, and every changelog ends in the vehicle’s status', async () => {
    await settle();
    const all: { id: string; validation_status: string; status_category: string }[] = [];
    let cursor: string | null = null;
    let counts: Record<string, number> = {};
    do {
      const page = await fleet.call('GET', `/v1/fleet/vehicles?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...page.body.vehicles);
      counts = page.body.counts;
      cursor = page.body.next_cursor;
    } while (cursor);
    const tally: Record<string, number> = { connected: 0, pending: 0, errors: 0, disconnected: 0 };
    for (const vehicle of all) tally[vehicle.status_category] = (tally[vehicle.status_category] ?? 0) + 1;
    expect(counts).toEqual(tally);
    expect(all.length).toBeGreaterThan(10);
    for (const vehicle of all) {
      const detail = await statusOf(vehicle.id);
      expect(detail.changelog.at(-1).status).toBe(vehicle.validation_status);
      const byCategory = await fleet.call(
        'GET',
        `/v1/fleet/vehicles?category=${vehicle.status_category}&limit=500`,
      );
      expect(byCategory.body.vehicles.map((v: { id: string }) => v.id)).toContain(vehicle.id);
    }
  });

  it('a Mercedes-Benz with odometer and certificate › registered and validated, the admin is asked by mail', async () => {
    const document = await uploadDocument(fleet);
    expect(document.status).toBe(201);
    const [mercedes] = await register([
      {
        tracker_id: fleetVins.mercedes,
        provider: 'mercedes-benz',
        type: 'oem',
        odometer: 48_213,
        registration_document_id: document.body.id,
      },
    ]);
    const id = mercedes?.id as string;
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await settle();
    expect(portalLink(world, adminEmail, fleetVins.mercedes)).toContain('/mercedes-benz/portal/');
    expect(await statusOf(id)).toMatchObject({
      odometer: 48_213,
      registration_document_id: document.body.id,
      validation_status: 'pending_validation',
    });
  });

  it('vehicle events › a connected vehicle’s event reaches the subscribed fleet with every property, charged to the fleet', async () => {
    const vin = 'WBA8E9G50GNT10077';
    const [bmw] = await register([
      { tracker_id: vin, provider: 'bmw', type: 'oem', object_id: { license_plate: 'M-KT 9' } },
    ]);
    const id = bmw?.id as string;
    await fleet.call('POST', `/v1/fleet/vehicles/${id}/validate`);
    await settle();
    const browser = newBrowser();
    await browser.submit(await browser.follow(portalLink(world, adminEmail, vin)), {
      decision: 'approve',
    });
    await settle();
    await until(
      async () => ((await statusOf(id)).validation_status === 'connected' ? true : undefined),
      'connected',
    );

    const { condition_based_services: _maintenance, ...accidentProperties } = everyProperty;
    await keyturn.repositories.fleets.setEventTypes(fleet.fleet_id, ['accident_reported']);
    const body = callbackBody('accident_reported', { id, vin: vin }, everyProperty);
    const secret = world.secrets.bmw?.webhookSecret ?? '';
    const answer = await postSignedCallback({ issuer: keyturn.url, provider: 'bmw', secret, body });
    expect(await answer.json()).toMatchObject({ forwarded: true });
    await settle();
    const events = receiver.received
      .map((delivery) => ({ delivery, body: JSON.parse(delivery.body) }))
      .filter(({ body }) => body.vehicle.serial_number === id);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(
      verifyStandardWebhook(fleet.webhook_secret, event?.delivery.headers ?? {}, event?.delivery.body ?? ''),
    ).toBe(true);
    expect(event?.body).toEqual({
      vehicle: { vin: vin, serial_number: id },
      event: { type: 'accident_reported', received_at: expect.any(String), action: 'automatic' },
      fleet: { id: fleet.fleet_id },
      // Fleets' vehicles carry every data point: every property an accident report has (no maintenance).
      data: accidentProperties,
    });
    const lines = await keyturn.database.query()('usage_ledger').where({ clearance_id: id });
    expect(lines.map((line) => [line.client_id, Number(line.amount_cents)])).toEqual([[fleet.client_id, 12]]);
  });
});
