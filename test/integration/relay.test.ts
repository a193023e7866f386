import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { newBrowser, walkAsNewOwner } from '../support/journey.ts';
import type { RunningKeyturn } from '../support/keyturn.ts';
import { registerTestApp, registerTestConsumer } from '../support/keyturn.ts';
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
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

describe('clearance relay end to end', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let app: RegisteredApp;

  beforeAll(async () => {
    world = await startOemWorld();
    receiver = await startWebhookReceiver();
    keyturn = await startKeyturnWithOem(world);
    app = await registerTestApp(keyturn, { webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
    await receiver?.close();
  });

  it('Approve in the maker portal › the pending token introspects approved and the app receives a signed webhook', async () => {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config);
    const email = 'relay.owner@example.com';
    const done = await walkAsNewOwner(newBrowser(), request.url, { email });
    const tokens = await redeem(config, done.url, request);
    const status = async () =>
      (await (
        await fetch(`${keyturn.url}/v1/authorization`, {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        })
      ).json()) as {
        status: string;
        vehicle_status: string;
      };
    expect(await status()).toMatchObject({ status: 'pending', vehicle_status: 'pending' });

    await keyturn.worker.drain();
    expect(await status()).toMatchObject({ status: 'pending', vehicle_status: 'pending_validation' });

    const browser = newBrowser();
    const portal = await browser.follow(portalLink(world, email, 'WBA8E9G50GNT12345'));
    expect(portal.html).toContain('Approve');
    await browser.submit(portal, { decision: 'approve' });
    await world.simulator.knobs.pendingDeliveries();
    expect((await status()).status).toBe('approved');

    const consumer = await registerTestConsumer(keyturn);
    const introspection = await fetch(`${keyturn.url}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${consumer.client_id}:${consumer.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: tokens.access_token }).toString(),
    });
    expect(await introspection.json()).toMatchObject({
      active: true,
      authorization_status: 'approved',
      vin: 'WBA8E9G50GNT12345',
      brand: 'bmw',
    });

    await keyturn.worker.drain();
    const webhook = await until(
      async () => receiver.received.find((r) => r.body.includes('"approved"')),
      'webhook',
    );
    expect(verifyStandardWebhook(app.webhook_secret, webhook.headers, webhook.body)).toBe(true);
    expect(JSON.parse(webhook.body)).toMatchObject({
      vehicle: { vin: 'WBA8E9G50GNT12345' },
      event: { type: 'authorization_changed', action: 'automatic' },
      application: { id: app.client_id },
      authorization: { status: 'approved' },
    });
    expect((await status()).vehicle_status).toBe('connected');
  });
});
