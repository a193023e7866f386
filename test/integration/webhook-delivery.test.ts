// Outbound webhooks at delivery time, against a real receiver on 127.0.0.1 and the real delivery log: the
// target is checked at every attempt and again when connecting, so neither a target that now resolves
// inside nor a host whose DNS answer changes between the check and the connection (DNS rebinding) is
// reached; after a secret rotation both secrets sign until the overlap ends, then only the new one.
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateAppWebhookSecret } from '../../src/apps/rotate-webhook-secret.ts';
import { PermanentJobFailure } from '../../src/outbox/jobs.ts';
import { authorizationChangedJob } from '../../src/relay/apply-clearance-event.ts';
import { webhookDeliveryHandler } from '../../src/webhooks/deliver.ts';
import { appWebhooks } from '../../src/webhooks/kinds.ts';
import type { ResolveHost, TargetPolicy } from '../../src/webhooks/target-guard.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import {
  sleep,
  startWebhookReceiver,
  verifyStandardWebhook,
  type WebhookReceiver,
} from '../support/relay.ts';

// Internal targets refused; plain http still allowed, so the receiver on 127.0.0.1 can be the bait.
const noInternal: TargetPolicy = { allowPrivateTargets: false, requireHttps: false };
const asAddresses = (addresses: string[]) =>
  addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('webhook delivery', () => {
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let port: string;
  let jobs = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    receiver = await startWebhookReceiver();
    port = new URL(receiver.url).port;
  });
  afterAll(async () => {
    await receiver?.close();
    await keyturn?.close();
  });

  /** An app whose webhook goes to `host` on the receiver's port (registered where private targets are allowed). */
  async function appAt(host: string) {
    return registerTestApp(keyturn, { webhookUrl: `http://${host}:${port}/webhooks` });
  }

  /** One delivery attempt of an `authorization_changed` event, as the worker makes it. */
  function deliver(clientId: string, targets: TargetPolicy, resolve?: ResolveHost) {
    const attempt = webhookDeliveryHandler({
      kind: appWebhooks(keyturn.repositories.apps),
      deliveries: keyturn.repositories.webhookDeliveries,
      targets,
      timeoutMs: 2_000,
      resolve,
    });
    const payload = { clientId, vin: 'WBA8E9G50GNT12345', status: 'approved', occurredAt: Date.now() };
    return attempt(payload, { id: 900_000 + ++jobs, kind: authorizationChangedJob, payload, attempts: 1 });
  }

  const logOf = async (clientId: string) => keyturn.repositories.webhookDeliveries.list({ clientId });

  it('webhook delivery › DNS rebinding: a host that answers a public address and then loopback is never connected to', async () => {
    const app = await appAt('rebind.test');
    let lookups = 0;
    const rebinding: ResolveHost = async () =>
      asAddresses(lookups++ % 2 === 0 ? ['93.184.216.34'] : ['127.0.0.1']);
    const connectionsBefore = receiver.connections();

    for (let attempt = 0; attempt < 3; attempt++)
      await expect(deliver(app.client_id, noInternal, rebinding)).rejects.toBeInstanceOf(PermanentJobFailure);

    expect(lookups).toBeGreaterThanOrEqual(6);
    expect(receiver.connections()).toBe(connectionsBefore);
    const log = await logOf(app.client_id);
    expect(log).toHaveLength(3);
    for (const attempt of log) {
      expect(attempt.statusCode).toBeNull();
      expect(attempt.error).toMatch(/^refused: rebind\.test resolves to 127\.0\.0\.1 \(loopback\)/);
    }
  });

  it('webhook delivery › a target that now resolves to loopback is refused for good, without a connection, and logged', async () => {
    const app = await appAt('localhost');
    const connectionsBefore = receiver.connections();
    const refused = deliver(app.client_id, noInternal);
    await expect(refused).rejects.toBeInstanceOf(PermanentJobFailure);
    await expect(refused).rejects.toThrow(/localhost resolves to .*loopback/);
    expect(receiver.connections()).toBe(connectionsBefore);
    expect((await logOf(app.client_id))[0]?.error).toMatch(/^refused: localhost resolves to/);
  });

  it('webhook delivery › a plain http target registered before is refused for good once https is required', async () => {
    const app = await appAt('127.0.0.1');
    const connectionsBefore = receiver.connections();
    await expect(
      deliver(app.client_id, { allowPrivateTargets: true, requireHttps: true }),
    ).rejects.toBeInstanceOf(PermanentJobFailure);
    expect(receiver.connections()).toBe(connectionsBefore);
    expect((await logOf(app.client_id))[0]?.error).toMatch(/must use https/);
  });

  it('webhook delivery › goes to the address the resolver answered, signed with the app secret', async () => {
    const app = await appAt('hooks.test');
    const resolve: ResolveHost = async (hostname) => {
      expect(hostname).toBe('hooks.test');
      return asAddresses(['127.0.0.1']);
    };
    const receivedBefore = receiver.received.length;
    await deliver(app.client_id, { allowPrivateTargets: true, requireHttps: false }, resolve);
    const [webhook] = receiver.received.slice(receivedBefore);
    if (!webhook) throw new Error('nothing delivered');
    expect(verifyStandardWebhook(app.webhook_secret, webhook.headers, webhook.body)).toBe(true);
    expect((await logOf(app.client_id))[0]).toMatchObject({ statusCode: 204, error: null });
  });

  it('webhook secret rotation › during the overlap a receiver still on the old secret and one already on the new secret both verify the delivery; afterwards only the new one does', async () => {
    const app = await appAt('127.0.0.1');
    const oldSecret = app.webhook_secret;
    const rotated = await rotateAppWebhookSecret(keyturn.repositories.apps, app.client_id, 2);
    const newSecret = rotated.webhook_secret;
    expect(newSecret).not.toBe(oldSecret);
    const overlapEnds = Date.parse(rotated.previous_secret_expires_at);
    const open = { allowPrivateTargets: true, requireHttps: false };
    try {
      receiver.verifyWith(oldSecret);
      await deliver(app.client_id, open);
      receiver.verifyWith(newSecret);
      await deliver(app.client_id, open);
      expect(Date.now()).toBeLessThan(overlapEnds);

      // Both signatures in the one header, the new secret's first.
      const [during] = receiver.received.slice(-1);
      if (!during) throw new Error('nothing delivered');
      const entries = String(during.headers['webhook-signature']).split(' ');
      expect(entries).toHaveLength(2);
      const only = (entry: string | undefined) => ({ ...during.headers, 'webhook-signature': entry });
      expect(verifyStandardWebhook(newSecret, only(entries[0]), during.body)).toBe(true);
      expect(verifyStandardWebhook(oldSecret, only(entries[1]), during.body)).toBe(true);

      await sleep(overlapEnds - Date.now() + 50);
      receiver.verifyWith(oldSecret);
      await expect(deliver(app.client_id, open)).rejects.toThrow(/answered 401/);
      receiver.verifyWith(newSecret);
      await deliver(app.client_id, open);
      const [after] = receiver.received.slice(-1);
      expect(String(after?.headers['webhook-signature']).split(' ')).toHaveLength(1);
    } finally {
      receiver.verifyWith(undefined);
    }
  });

  it('webhook secret rotation › a second rotation within the overlap keeps only the two newest secrets signing', async () => {
    const app = await appAt('127.0.0.1');
    const first = await rotateAppWebhookSecret(keyturn.repositories.apps, app.client_id, 3600);
    const second = await rotateAppWebhookSecret(keyturn.repositories.apps, app.client_id, 3600);
    const receivedBefore = receiver.received.length;
    await deliver(app.client_id, { allowPrivateTargets: true, requireHttps: false });
    const [webhook] = receiver.received.slice(receivedBefore);
    if (!webhook) throw new Error('nothing delivered');
    expect(String(webhook.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyStandardWebhook(second.webhook_secret, webhook.headers, webhook.body)).toBe(true);
    expect(verifyStandardWebhook(first.webhook_secret, webhook.headers, webhook.body)).toBe(true);
    expect(verifyStandardWebhook(app.webhook_secret, webhook.headers, webhook.body)).toBe(false);
  });
});
