// Faults around the relay: the maker failing, unreachable or not knowing the VIN; the app's webhook endpoint
// failing or redirecting; clearances nobody answers; the owner rejecting or revoking in the maker's portal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { createTestDatabase } from '../support/database.ts';
import type { RunningKeyturn } from '../support/keyturn.ts';
import { registerTestApp, registerTestConsumer } from '../support/keyturn.ts';
import {
  authorizationOf,
  clearanceStatus,
  closedPort,
  drainUntil,
  grantClearance,
  introspect,
  type OemWorld,
  type ReceivedWebhook,
  simulatedClearancesFor,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  verifyStandardWebhook,
  type WebhookReceiver,
} from '../support/relay.ts';

describe('relay faults', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let app: RegisteredApp;
  let consumer: { client_id: string; client_secret: string };

  beforeAll(async () => {
    world = await startOemWorld();
    receiver = await startWebhookReceiver();
    // Retries wait 50–200 ms: long enough that one drain() makes exactly one attempt, so the state between
    // attempts can be observed; drainUntil() sleeps past it.
    keyturn = await startKeyturnWithOem(world, { RELAY_RETRY_BASE_MS: '100', RELAY_RETRY_MAX_MS: '200' });
    app = await registerTestApp(keyturn, { webhookUrl: receiver.url });
    consumer = await registerTestConsumer(keyturn);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
    await receiver?.close();
  });

  const webhooksFor = (vin: string): ReceivedWebhook[] =>
    receiver.received.filter((r) => (JSON.parse(r.body) as { vehicle: { vin: string } }).vehicle.vin === vin);
  const statusOf = (webhook: ReceivedWebhook) =>
    (JSON.parse(webhook.body) as { authorization: { status: string } }).authorization.status;
  const outboxRow = async (kind: string, clearanceId: string) => {
    const rows = await keyturn.database.query()('outbox').where({ kind }).orderBy('id');
    return rows.find((row) => JSON.parse(row.payload).clearanceId === clearanceId);
  };

  it('maker answers 503 three times, then recovers › retried until pending_validation; pending meanwhile; one clearance at the maker', async () => {
    const granted = await grantClearance(keyturn, app, {
      email: 'faults.flaky@example.com',
      vin: 'WBA8E9G50GNT20001',
    });
    world.simulator.knobs.failNextRequests(3);

    await keyturn.worker.drain();
    // Still failing: one attempt, or more when the short retry delay passed while the drain sent the
    // owner's mails (a slow machine); the fourth attempt is the one that succeeds.
    const afterFailure = await outboxRow('clearance_request', granted.clearance.id);
    expect(afterFailure.done_at).toBeNull();
    expect(afterFailure.attempts).toBeGreaterThanOrEqual(1);
    expect(afterFailure.attempts).toBeLessThanOrEqual(3);
    expect(afterFailure.last_error).toMatch(/503/);
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'pending',
      vehicle_status: 'pending',
    });

    const seen = new Set<string>();
    await drainUntil(
      keyturn,
      async () => {
        const now = await authorizationOf(keyturn.url, granted.tokens.access_token);
        seen.add(now.status);
        return now.vehicle_status === 'pending_validation';
      },
      'the maker accepted the clearance',
    );
    expect([...seen]).toEqual(['pending']);
    expect((await outboxRow('clearance_request', granted.clearance.id)).attempts).toBe(4);
    expect(simulatedClearancesFor(world, granted.clearance.id)).toHaveLength(1);
    expect(world.mails.filter((mail) => mail.to === granted.email)).toHaveLength(1);
    expect(await keyturn.repositories.outbox.pending('clearance_request')).toBe(0);
  });

  it('maker unreachable › job retried with last_error recorded, token still pending, nothing lost; a healthy instance later delivers it', async () => {
    const db = await createTestDatabase();
    const port = await closedPort();
    const broken = await startKeyturnWithOem(world, { OEM_BMW_URL: `http://127.0.0.1:${port}/bmw` }, db);
    let healthy: RunningKeyturn | undefined;
    try {
      const brokenApp = await registerTestApp(broken);
      const granted = await grantClearance(broken, brokenApp, {
        email: 'faults.unreachable@example.com',
        vin: 'WBA8E9G50GNT20002',
      });
      // Until the retry (due 100–200 ms after the first attempt) has failed too.
      await drainUntil(
        broken,
        async () =>
          Number(
            (await broken.database.query()('outbox').where({ kind: 'clearance_request' }).first()).attempts,
          ) >= 2,
        'a second attempt',
      );

      const [job] = await broken.database.query()('outbox').where({ kind: 'clearance_request' });
      expect(job.done_at).toBeNull();
      expect(job.attempts).toBeGreaterThanOrEqual(2);
      expect(job.last_error).toMatch(/^bmw: /);
      expect(job.last_error).not.toMatch(/abandoned/);
      expect(await broken.repositories.outbox.pending('clearance_request')).toBe(1);
      expect(await clearanceStatus(broken, granted.clearance.id)).toBe('pending');
      expect(await authorizationOf(broken.url, granted.tokens.access_token)).toMatchObject({
        status: 'pending',
        vehicle_status: 'pending',
      });
      expect(simulatedClearancesFor(world, granted.clearance.id)).toHaveLength(0);

      // The maker is reachable again (here: an instance configured with its real address, same database).
      await broken.worker.stop();
      healthy = await startKeyturnWithOem(world, {}, db);
      const instance = healthy;
      await drainUntil(
        instance,
        async () => (await clearanceStatus(instance, granted.clearance.id)) === 'pending_validation',
        'the retried request reached the maker',
      );
      expect(simulatedClearancesFor(world, granted.clearance.id)).toHaveLength(1);
      expect(await instance.repositories.outbox.pending('clearance_request')).toBe(0);
    } finally {
      await healthy?.close();
      await broken.close();
      await db.drop();
    }
  });

  it('maker does not know the VIN › wrong_tracker_id and authorization status rejected', async () => {
    const granted = await grantClearance(keyturn, app, {
      email: 'faults.unknown-vin@example.com',
      vin: 'WBA8E9G50GN000000',
    });
    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('wrong_tracker_id');
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'rejected',
      vehicle_status: 'wrong_tracker_id',
    });
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
    expect(simulatedClearancesFor(world, granted.clearance.id)).toHaveLength(0);
    expect(await keyturn.repositories.outbox.pending('clearance_request')).toBe(0);

    await drainUntil(keyturn, async () => webhooksFor(granted.vin).length > 0, 'the rejected webhook');
    expect(webhooksFor(granted.vin).map(statusOf)).toEqual(['rejected']);
  });

  it("app's webhook endpoint fails twice, then recovers › delivered once, with the webhook-id of the failed attempts", async () => {
    const granted = await grantClearance(keyturn, app, {
      email: 'faults.webhook-down@example.com',
      vin: 'WBA8E9G50GNT20003',
    });
    await keyturn.worker.drain();
    const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
    if (!simulated) throw new Error('the maker holds no clearance');
    world.simulator.knobs.decide(simulated.id, 'approve');
    await world.simulator.knobs.pendingDeliveries();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('connected');

    receiver.failNext(2, 500);
    await drainUntil(keyturn, async () => webhooksFor(granted.vin).length > 0, 'the webhook');
    await keyturn.worker.drain();

    const delivered = webhooksFor(granted.vin);
    expect(delivered).toHaveLength(1);
    const [webhook] = delivered;
    if (!webhook) throw new Error('no webhook');
    expect(statusOf(webhook)).toBe('approved');
    expect(verifyStandardWebhook(app.webhook_secret, webhook.headers, webhook.body)).toBe(true);

    const attempts = (await keyturn.repositories.webhookDeliveries.list({ clientId: app.client_id })).filter(
      (delivery) => delivery.webhookId === webhook.headers['webhook-id'],
    );
    expect(attempts).toHaveLength(3);
    expect(attempts.filter((a) => a.error !== null)).toHaveLength(2);
    expect(attempts.filter((a) => a.statusCode === 500)).toHaveLength(2);
    expect(attempts.filter((a) => a.error === null && a.statusCode === 204)).toHaveLength(1);
    expect(new Set(attempts.map((a) => a.jobId)).size).toBe(1);
  });

  it("app's webhook endpoint answers 302 › counted as a failure, the redirect is not followed, delivered on retry", async () => {
    const granted = await grantClearance(keyturn, app, {
      email: 'faults.webhook-redirect@example.com',
      vin: 'WBA8E9G50GNT20004',
    });
    await keyturn.worker.drain();
    const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
    if (!simulated) throw new Error('the maker holds no clearance');
    world.simulator.knobs.decide(simulated.id, 'reject');
    await world.simulator.knobs.pendingDeliveries();

    const elsewhere = receiver.url.replace(/\/webhooks$/, '/elsewhere');
    receiver.failNext(1, 302, { location: elsewhere });
    const receivedBefore = receiver.received.length;
    await keyturn.worker.drain();

    const attempts = () =>
      keyturn.repositories.webhookDeliveries
        .list({ clientId: app.client_id })
        .then((all) => all.filter((a) => a.url === receiver.url && a.statusCode === 302));
    expect(await attempts()).toHaveLength(1);
    expect((await attempts())[0]?.error).toMatch(/302/);
    expect(receiver.received.length).toBe(receivedBefore);
    expect(webhooksFor(granted.vin)).toHaveLength(0);

    await drainUntil(
      keyturn,
      async () => webhooksFor(granted.vin).length > 0,
      'the webhook after the redirect',
    );
    expect(webhooksFor(granted.vin).map(statusOf)).toEqual(['rejected']);
    expect(receiver.received.filter((r) => r.path !== '/webhooks')).toHaveLength(0);
  });

  it("app's webhook endpoint answers 410 Gone › not retried, the endpoint disabled; later webhooks wait; enabled again, a replay delivers", async () => {
    const gone = await startWebhookReceiver();
    const goneApp = await registerTestApp(keyturn, { name: 'Gone App', webhookUrl: gone.url });
    try {
      const decide = async (email: string, vin: string, decision: 'approve' | 'reject') => {
        const granted = await grantClearance(keyturn, goneApp, { email, vin });
        await keyturn.worker.drain();
        const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
        world.simulator.knobs.decide(simulated?.id as string, decision);
        await world.simulator.knobs.pendingDeliveries();
        return granted;
      };
      gone.failNext(1, 410);
      const first = await decide('faults.gone1@example.com', 'WBA8E9G50GNT20010', 'reject');
      await keyturn.worker.drain();
      const firstJob = await outboxRow('app_webhook', first.clearance.id);
      expect(firstJob.attempts).toBe(1);
      expect(firstJob.last_error).toMatch(/^abandoned: .*410/);
      expect((await keyturn.repositories.apps.find(goneApp.client_id))?.webhookDisabled?.reason).toMatch(
        /410 Gone/,
      );

      // Disabled: a later webhook is not sent (nothing reaches the endpoint), but kept for a replay.
      const second = await decide('faults.gone2@example.com', 'WBA8E9G50GNT20011', 'reject');
      await keyturn.worker.drain();
      expect(gone.connections()).toBe(1);
      const secondJob = await outboxRow('app_webhook', second.clearance.id);
      expect(secondJob.last_error).toMatch(/^abandoned: webhook endpoint disabled/);

      expect(await keyturn.repositories.apps.enableWebhook(goneApp.client_id)).toBe(true);
      expect(await keyturn.repositories.outbox.replay(Number(secondJob.id))).toBe(true);
      await keyturn.worker.drain();
      expect(
        gone.received.map((r) => (JSON.parse(r.body) as { vehicle: { vin: string } }).vehicle.vin),
      ).toEqual(['WBA8E9G50GNT20011']);
    } finally {
      await gone.close();
    }
  });

  it('owner rejects in the maker portal › error_rejected, and the app receives a `rejected` webhook', async () => {
    const granted = await grantClearance(keyturn, app, {
      email: 'faults.portal-reject@example.com',
      vin: 'WBA8E9G50GNT20005',
    });
    await keyturn.worker.drain();
    const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
    if (!simulated) throw new Error('the maker holds no clearance');

    world.simulator.knobs.decide(simulated.id, 'reject');
    await world.simulator.knobs.pendingDeliveries();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_rejected');
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'rejected',
    });
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });

    await drainUntil(keyturn, async () => webhooksFor(granted.vin).length > 0, 'the rejected webhook');
    const webhooks = webhooksFor(granted.vin);
    expect(webhooks.map(statusOf)).toEqual(['rejected']);
    for (const webhook of webhooks)
      expect(verifyStandardWebhook(app.webhook_secret, webhook.headers, webhook.body)).toBe(true);
  });

  it('owner revokes in the maker portal after approving › error_revoke, and the app receives `approved` then `revoked`', async () => {
    const granted = await grantClearance(keyturn, app, {
      email: 'faults.portal-revoke@example.com',
      vin: 'WBA8E9G50GNT20006',
    });
    await keyturn.worker.drain();
    const [simulated] = simulatedClearancesFor(world, granted.clearance.id);
    if (!simulated) throw new Error('the maker holds no clearance');

    world.simulator.knobs.decide(simulated.id, 'approve');
    await world.simulator.knobs.pendingDeliveries();
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toMatchObject({
      active: true,
    });
    await drainUntil(keyturn, async () => webhooksFor(granted.vin).length > 0, 'the approved webhook');

    world.simulator.knobs.decide(simulated.id, 'revoke');
    await world.simulator.knobs.pendingDeliveries();
    expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('error_revoke');
    expect(await authorizationOf(keyturn.url, granted.tokens.access_token)).toMatchObject({
      status: 'revoked',
    });
    expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });

    await drainUntil(keyturn, async () => webhooksFor(granted.vin).length > 1, 'the revoked webhook');
    const webhooks = webhooksFor(granted.vin);
    expect(webhooks.map(statusOf)).toEqual(['approved', 'revoked']);
    for (const webhook of webhooks)
      expect(verifyStandardWebhook(app.webhook_secret, webhook.headers, webhook.body)).toBe(true);
  });
});

describe('deadline sweep', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;

  beforeAll(async () => {
    world = await startOemWorld();
    keyturn = await startKeyturnWithOem(world, { CLEARANCE_DEADLINE: '1' });
    app = await registerTestApp(keyturn);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
  });

  it('maintenance › a clearance unanswered past CLEARANCE_DEADLINE → error_time_out, expired, inactive; an approved one is left alone', async () => {
    const consumer = await registerTestConsumer(keyturn);
    const unanswered = await grantClearance(keyturn, app, {
      email: 'deadline.unanswered@example.com',
      vin: 'WBA8E9G50GNT30001',
    });
    const approved = await grantClearance(keyturn, app, {
      email: 'deadline.approved@example.com',
      vin: 'WBA8E9G50GNT30002',
    });
    await keyturn.worker.drain();
    expect(await clearanceStatus(keyturn, unanswered.clearance.id)).toBe('pending_validation');
    const [simulated] = simulatedClearancesFor(world, approved.clearance.id);
    if (!simulated) throw new Error('the maker holds no clearance');
    world.simulator.knobs.decide(simulated.id, 'approve');
    await world.simulator.knobs.pendingDeliveries();
    expect(await clearanceStatus(keyturn, approved.clearance.id)).toBe('connected');

    // The sweep is told the time: past the one-second deadline.
    const later = Date.now() + 2_000;
    const swept = await keyturn.maintenance(later);
    expect(swept.timedOut).toBe(1);

    expect(await clearanceStatus(keyturn, unanswered.clearance.id)).toBe('error_time_out');
    expect(await authorizationOf(keyturn.url, unanswered.tokens.access_token)).toMatchObject({
      status: 'expired',
      vehicle_status: 'error_time_out',
    });
    expect(await introspect(keyturn.url, consumer, unanswered.tokens.access_token)).toEqual({
      active: false,
    });
    expect(await keyturn.repositories.clearances.transitions(unanswered.clearance.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from_status: 'pending_validation', to_status: 'error_time_out' }),
      ]),
    );

    expect(await clearanceStatus(keyturn, approved.clearance.id)).toBe('connected');
    expect(await introspect(keyturn.url, consumer, approved.tokens.access_token)).toMatchObject({
      active: true,
    });
    expect((await keyturn.maintenance(later)).timedOut).toBe(0);
  });
});
