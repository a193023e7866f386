// The simulated car's reports over real HTTP: the portal's vehicle event buttons of an approved clearance,
// each sending a signed callback of its type with every property the makers' table lists (valid per the
// shapes Keyturn checks), and the position the car sends every interval until the clearance ends or the
// simulator closes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callbackSchema, propertyShapes } from '../../src/callbacks/vehicle-event-schema.ts';
import { type EventProperty, propertiesOf, vehicleEventTypes } from '../../src/domain/vehicle-events.ts';
import {
  buildSimulator,
  type CallbackBody,
  createClearance,
  type ReceivedCallback,
  reportEvent,
  secrets,
  startReceiver,
  submitDecision,
  verify,
} from './support.ts';

let sim: Awaited<ReturnType<typeof buildSimulator>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeEach(async () => {
  sim = await buildSimulator({ firstDataDelayMs: 5 });
  receiver = await startReceiver();
});

afterEach(async () => {
  await sim.close();
  await receiver.close();
});

const labels = {
  en: ['Report accident', 'Report emergency', 'Battery warning', 'Maintenance changed', 'Send location'],
  de: ['Unfall melden', 'Notfall melden', 'Batteriewarnung', 'Wartung geändert', 'Position senden'],
};

async function approved(): Promise<string> {
  const id = await createClearance(sim.url, receiver.url);
  await submitDecision(sim.url, id, 'approve');
  await sim.knobs.pendingDeliveries();
  return id;
}

const pageOf = async (url: string) => (await fetch(url)).text();

/** Polls until `count` callbacks of `type` arrived; fails after two seconds. */
async function received(type: string, count: number): Promise<ReceivedCallback[]> {
  for (let waited = 0; waited < 2_000; waited += 10) {
    const matching = receiver.received.filter((callback) => JSON.parse(callback.body).type === type);
    if (matching.length >= count) return matching;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${count} ${type} callbacks arrived`);
}

const distanceKm = (a: CallbackBody, b: CallbackBody) => {
  const lat = Number(a.data.latitude) - Number(b.data.latitude);
  const lon = (Number(a.data.longitude) - Number(b.data.longitude)) * Math.cos((48 * Math.PI) / 180);
  return Math.hypot(lat, lon) * 111.32;
};

describe('GET /:provider/portal/:id › vehicle event buttons', () => {
  it('offers none while the request waits for a decision', async () => {
    const id = await createClearance(sim.url, receiver.url);
    const html = await pageOf(`${sim.url}/bmw/portal/${id}`);
    expect(html).not.toContain('name="event"');
  });

  it.each(['en', 'de'] as const)('offers one button per event type once approved (%s)', async (locale) => {
    const id = await approved();
    const html = await pageOf(`${sim.url}/bmw/portal/${id}?lang=${locale}`);
    const buttons = [...html.matchAll(/<button[^>]*name="event" value="([a-z_]+)"[^>]*>([^<]+)<\/button>/g)];
    expect(buttons.map((button) => button[1])).toEqual([...vehicleEventTypes]);
    expect(buttons.map((button) => button[2])).toEqual(labels[locale]);
    expect(html).toMatch(
      /<form method="post" action="[^"]*\/events\?lang=[a-z]+"[^>]*>\s*<input type="hidden" name="csrf" value="[^"]+">/,
    );
  });
});

describe('POST /:provider/portal/:id/events', () => {
  it.each(vehicleEventTypes)(
    'event=%s › sends a signed callback of that type with every listed property, valid per its shape',
    async (type) => {
      const id = await approved();
      const before = new Set(receiver.received.map((callback) => callback.headers['webhook-id']));

      const response = await reportEvent(sim.url, id, type);
      expect(response.status).toBe(303);
      const location = response.headers.get('location') ?? '';
      expect(location).toMatch(new RegExp(`^/bmw/portal/${id}\\?lang=en&sent=${type}$`));
      expect(await pageOf(`${sim.url}${location}`)).toContain('Your vehicle reported');
      await sim.knobs.pendingDeliveries();

      const sent = receiver.received.filter((callback) => !before.has(callback.headers['webhook-id']));
      expect(sent).toHaveLength(1);
      const event = verify(secrets.bmw, sent[0]!);
      expect(event.type).toBe(type);
      expect(Math.abs(Date.parse(event.timestamp) - Date.now())).toBeLessThan(5_000);
      expect(Object.keys(event.data)).toEqual(['clearance_id', 'vin', ...propertiesOf[type]]);
      expect(event.data).toMatchObject({ clearance_id: 'clr_keyturn_1', vin: 'WBA8E9C50GK123456' });
      expect(callbackSchema.safeParse(event).success).toBe(true);
      for (const property of propertiesOf[type] as EventProperty[]) {
        const check = propertyShapes[property].safeParse(event.data[property]);
        expect(check.success, `${property}: ${JSON.stringify(event.data[property])}`).toBe(true);
      }
    },
  );

  it('refuses a post without the CSRF token with 403 and sends nothing', async () => {
    const id = await approved();
    const count = receiver.received.length;

    const response = await fetch(`${sim.url}/bmw/portal/${id}/events`, {
      method: 'POST',
      body: new URLSearchParams({ event: 'accident_reported' }),
      redirect: 'manual',
    });
    await sim.knobs.pendingDeliveries();

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('This form has expired');
    expect(receiver.received).toHaveLength(count);
  });

  it('answers 409 before the approval and 400 for an unknown event, and sends nothing', async () => {
    const id = await createClearance(sim.url, receiver.url);

    const early = await reportEvent(sim.url, id, 'accident_reported');
    expect(early.status).toBe(409);
    expect(await early.text()).toContain('only while the access is approved');
    await submitDecision(sim.url, id, 'approve');
    await sim.knobs.pendingDeliveries();
    const count = receiver.received.length;
    const unknown = await reportEvent(sim.url, id, 'authorization_changed');
    expect(unknown.status).toBe(400);
    await sim.knobs.pendingDeliveries();
    expect(receiver.received).toHaveLength(count);
  });

  it('goes through the injected faults: a dropped event is never sent', async () => {
    const id = await approved();
    const count = receiver.received.length;
    sim.knobs.dropNextCallbacks(1);

    await reportEvent(sim.url, id, 'emergency_reported');
    await sim.knobs.pendingDeliveries();

    expect(receiver.received).toHaveLength(count);
  });
});

describe('the position sent every interval', () => {
  it('moves a little each time, and stops when the owner revokes', async () => {
    const driving = await buildSimulator({ firstDataDelayMs: 5, locationIntervalMs: 20 });
    try {
      const id = await createClearance(driving.url, receiver.url);
      driving.knobs.decide(id, 'approve');
      const positions = (await received('vehicle_location_changed', 4)).map((c) => verify(secrets.bmw, c));
      for (const [previous, next] of positions.slice(1).map((p, n) => [positions[n]!, p] as const)) {
        const km = distanceKm(previous, next);
        expect(km).toBeGreaterThan(0);
        expect(km).toBeLessThan(1);
        expect(Object.keys(next.data)).toEqual([
          'clearance_id',
          'vin',
          ...propertiesOf.vehicle_location_changed,
        ]);
      }

      driving.knobs.decide(id, 'revoke');
      await driving.knobs.pendingDeliveries();
      const count = receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(receiver.received).toHaveLength(count);
      expect(JSON.parse(receiver.received.at(-1)!.body).data.status).toBe('revoked');
    } finally {
      await driving.close();
    }
  });

  it('stops when the simulator closes', async () => {
    const driving = await buildSimulator({ firstDataDelayMs: 5, locationIntervalMs: 20 });
    const id = await createClearance(driving.url, receiver.url);
    driving.knobs.decide(id, 'approve');
    await received('vehicle_location_changed', 2);

    await driving.close();
    const count = receiver.received.length;
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(receiver.received).toHaveLength(count);
  });

  it('is off by default: only the first position is sent', async () => {
    const id = await approved();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sim.knobs.pendingDeliveries();

    expect(receiver.events().map((event) => event.type)).toEqual([
      'authorization_changed',
      'vehicle_location_changed',
    ]);
    expect(sim.knobs.clearances().find((clearance) => clearance.id === id)?.status).toBe('approved');
  });
});
