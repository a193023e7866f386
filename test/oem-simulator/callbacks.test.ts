import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiKeys,
  buildSimulator,
  clearanceBody,
  createClearance,
  postClearance,
  secrets,
  startReceiver,
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

describe('callbacks to Keyturn', () => {
  it('are retried after the receiver fails twice, keeping the same webhook-id', async () => {
    const id = await createClearance(sim.url, receiver.url);
    receiver.failNext(2);

    sim.knobs.decide(id, 'approve');
    await sim.knobs.pendingDeliveries();

    const approvals = receiver.received.filter((c) => JSON.parse(c.body).type === 'authorization_changed');
    expect(approvals.map((c) => c.answered)).toEqual([500, 500, 204]);
    expect(new Set(approvals.map((c) => c.headers['webhook-id'])).size).toBe(1);
    for (const attempt of approvals) expect(verify(secrets.bmw, attempt).data.status).toBe('approved');
  });

  it('give up after the configured number of attempts', async () => {
    const id = await createClearance(sim.url, receiver.url);
    receiver.failNext(10);

    sim.knobs.decide(id, 'reject');
    await sim.knobs.pendingDeliveries();

    expect(receiver.received).toHaveLength(4);
  });

  it('carry a unique webhook-id per event and a signature only the provider’s secret verifies', async () => {
    const id = await createClearance(sim.url, receiver.url);

    sim.knobs.decide(id, 'approve');
    await sim.knobs.pendingDeliveries();

    const [first, second] = receiver.received;
    expect(first?.headers['webhook-id']).toMatch(/^msg_/);
    expect(first?.headers['webhook-id']).not.toBe(second?.headers['webhook-id']);
    expect(Number(first?.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(() => verify(secrets['mercedes-benz'], first!)).toThrow();
    expect(() =>
      verify(secrets.bmw, { ...first!, body: first!.body.replace('approved', 'rejected') }),
    ).toThrow();
  });

  it('send no position when the clearance is revoked before the first data is due', async () => {
    const slow = await buildSimulator({ firstDataDelayMs: 200 });
    try {
      const id = await createClearance(slow.url, receiver.url);
      slow.knobs.decide(id, 'approve');
      slow.knobs.decide(id, 'revoke');
      await slow.knobs.pendingDeliveries();

      expect(receiver.events().map((event) => event.type)).toEqual([
        'authorization_changed',
        'authorization_changed',
      ]);
    } finally {
      await slow.close();
    }
  });
});

describe('test knobs', () => {
  it('dropNextCallbacks › the dropped event is never sent, the next one is', async () => {
    const id = await createClearance(sim.url, receiver.url);
    sim.knobs.dropNextCallbacks(1);

    sim.knobs.decide(id, 'approve');
    await sim.knobs.pendingDeliveries();

    expect(receiver.events().map((event) => event.type)).toEqual(['vehicle_location_changed']);
  });

  it('failNextRequests › the next n clearance API calls answer the given status, then calls succeed', async () => {
    sim.knobs.failNextRequests(2, 502);

    const first = await postClearance(sim.url, clearanceBody(), { key: 'k1' });
    const second = await postClearance(sim.url, clearanceBody(), { key: 'k1' });
    const third = await postClearance(sim.url, clearanceBody(), { key: 'k1' });

    expect([first.status, second.status, third.status]).toEqual([502, 502, 201]);
    expect(await first.json()).toEqual({ error: 'simulated_failure' });
    expect(sim.mails).toHaveLength(1);
  });

  it('failNextRequests › defaults to 503 and also applies to GET', async () => {
    sim.knobs.failNextRequests(1);

    const response = await fetch(`${sim.url}/bmw/clearances/sim_any`, {
      headers: { authorization: `Bearer ${apiKeys.bmw}` },
    });

    expect(response.status).toBe(503);
  });

  it('setResponseDelay › clearance API answers wait that long', async () => {
    sim.knobs.setResponseDelay(80);

    const started = performance.now();
    await postClearance(sim.url, clearanceBody());

    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('decide › acts like the portal button and refuses a decision the state does not allow', async () => {
    const id = await createClearance(sim.url, receiver.url);

    expect(sim.knobs.decide(id, 'reject').status).toBe('rejected');
    expect(() => sim.knobs.decide(id, 'revoke')).toThrow(/decision_not_allowed/);
    expect(() => sim.knobs.decide('sim_unknown', 'approve')).toThrow(/not_found/);
  });

  it('reset › forgets clearances, idempotency keys and faults', async () => {
    await postClearance(sim.url, clearanceBody(), { key: 'before-reset' });
    sim.knobs.failNextRequests(5);

    sim.knobs.reset();
    const response = await postClearance(sim.url, clearanceBody(), { key: 'before-reset' });

    expect(response.status).toBe(201);
    expect(sim.knobs.clearances()).toHaveLength(1);
  });
});
