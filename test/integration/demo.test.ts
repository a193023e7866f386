// The demo app that `npm start` serves, walked as a newcomer would follow README's "Walk the demo": the
// demo app starts the journey with PKCE, exchanges the code with openid-client and shows the token's
// status; the maker's mail in the dev mailbox leads to its portal, and approving there turns the demo's
// status to approved; revoking in the owner's dashboard then ends the demo's token. The webhooks it
// receives are listed on its pages, each marked whether its signature verified. Everything in one
// Keyturn, with the OEM simulator mounted in it, as on a laptop.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClientId } from '../../src/dev-tools/demo/app.ts';
import { changeClearance } from '../support/clearance.ts';
import { type HttpBrowser, textOf } from '../support/http-browser.ts';
import {
  bmwVin,
  interactionBase,
  mailsTo,
  miniVin,
  newBrowser,
  passwordLinkFor,
  proveNewEmail,
  stepOf,
} from '../support/journey.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { until } from '../support/relay.ts';

describe('the demo app of npm start', () => {
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    keyturn = await startKeyturn();
  });
  afterAll(() => keyturn.close());

  const resultPage = (browser: HttpBrowser) => browser.follow(`${keyturn.url}/demo/result`);

  it('connects a car in German: pending after the exchange, approved after the maker portal, dead after revoking', async () => {
    const browser = newBrowser('de');
    const email = 'demo.newcomer@example.com';
    // The demo's form with a brand chosen, so the journey skips the brand step.
    const landing = await browser.follow(`${keyturn.url}/demo/connect?locale=de&brand=bmw`);
    expect(stepOf(landing), landing.html.slice(0, 300)).toBe('landing');
    let page = await browser.follow(`${interactionBase(landing)}/account`);
    page = await proveNewEmail(browser, page, { email });
    expect(stepOf(page)).toBe('vin');
    page = await browser.submit(page, { vin: bmwVin });
    page = await browser.submit(page, { decision: 'allow' });

    expect(new URL(page.url).pathname).toBe('/demo/result');
    expect(page.status).toBe(200);
    const pending = textOf(page.html);
    expect(pending).toContain(message('de', 'domain:authorizationStatus.pending'));
    expect(pending).toContain(message('de', 'demo:result.pending_note'));
    // No automatic refresh: the page says to refresh and offers the link.
    expect(pending).toContain(message('de', 'demo:result.refresh_hint'));
    expect(page.html).toContain(`href="/demo/result">${message('de', 'demo:result.refresh')}</a>`);
    expect(page.html).not.toContain('http-equiv="refresh"');
    // The brand by its name, not its id.
    expect(pending).toContain(
      `${message('de', 'demo:result.brand')} BMW ${message('de', 'demo:result.vin')} ${bmwVin}`,
    );
    // The granted data points by the names the consent page uses; protocol scopes are no data points.
    expect(pending).toContain(
      `${message('de', 'demo:result.data_points')} ${message('de', 'domain:dataPoints.location.label')} ${message('de', 'domain:dataPoints.mileage.label')}`,
    );
    expect(pending).toContain(message('de', 'domain:dataPoints.vehicle_moving.label'));
    expect(pending).toContain(message('de', 'demo:result.stays_connected'));
    expect(pending).not.toMatch(/offline_access|openid|vehicle_moving/);

    await keyturn.worker.drain();
    const portal = (await mailsTo(keyturn.url, email))
      .flatMap((mail) => mail.links)
      .find((href) => href.includes('/portal/'));
    if (!portal) throw new Error(`no maker mail with a portal link for ${email}`);
    const portalPage = await browser.submit(await browser.follow(portal), { decision: 'approve' });

    const approved = await until(async () => {
      const result = await resultPage(browser);
      const text = textOf(result.html);
      return text.includes(message('de', 'domain:authorizationStatus.approved')) ? text : undefined;
    }, 'the approved status on the demo page');
    expect(approved).toContain(message('de', 'demo:result.approved_note'));
    // Keyturn's own webhook told the demo too, and its signature verified.
    const told = await until(async () => {
      await keyturn.worker.drain();
      const row = await eventRow('authorization_changed');
      return row?.includes('status: approved') ? row : undefined;
    }, 'the approved webhook on the demo page');
    expect(told).toContain(bmwVin);
    expect(told).toContain(message('en', 'demo:events.verified'));

    // The maker's portal reports an accident: Keyturn forwards it to the demo (subscribed), signed, charged.
    await browser.submit(portalPage, { event: 'accident_reported' }, '/events');
    const accident = await until(async () => {
      await keyturn.worker.drain();
      return eventRow('accident_reported');
    }, 'the accident on the demo page');
    expect(accident).toContain(bmwVin);
    expect(accident).toContain('latitude');
    expect(accident).toContain(message('en', 'demo:events.verified'));
    const charged = await keyturn.database
      .query()('usage_ledger')
      .where({ vin: bmwVin, event_type: 'accident_reported' });
    expect(charged.map((line) => Number(line.amount_cents))).toEqual([12]);

    // README's last step: set a password from Keyturn's mail, sign in, revoke; the demo's token is dead.
    const passphrase = 'a long and secret passphrase';
    await browser.submit(await browser.follow(await passwordLinkFor(keyturn.url, email)), {
      password: passphrase,
    });
    const dashboard = await browser.submit(await browser.follow(`${keyturn.url}/account`), {
      email,
      password: passphrase,
    });
    // "Revoke" leads to a confirmation page; its form revokes.
    const revokeLink = /href="(\/account\/access\/[^"]+\/revoke)"/.exec(dashboard.html)?.[1];
    expect(revokeLink).toBeDefined();
    const confirmation = await browser.follow(new URL(revokeLink as string, dashboard.url).href);
    await browser.submit(confirmation, {}, '/revoke');
    const revoked = await resultPage(browser);
    expect(revoked.status).toBe(200);
    expect(textOf(revoked.html)).toContain(message('de', 'demo:result.token_rejected'));
    expect(textOf(revoked.html)).not.toContain(message('de', 'demo:result.error_intro'));
  });

  /** Posts `body` to the demo's webhook endpoint, signed per Standard Webhooks with `secret`. */
  async function postWebhook(body: Record<string, unknown>, secret: string) {
    const id = `msg_${randomBytes(8).toString('hex')}`;
    const now = new Date();
    const payload = JSON.stringify(body);
    return fetch(`${keyturn.url}/demo/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, now, payload),
      },
      body: payload,
    });
  }

  const vehicleEvent = (type: string, data: Record<string, unknown>) => ({
    vehicle: { vin: bmwVin, serial_number: null },
    event: { type, received_at: new Date().toISOString(), action: 'automatic' },
    application: { id: demoClientId },
    data,
  });

  /** The text of the demo page's event table row that names `type`. */
  async function eventRow(type: string): Promise<string | undefined> {
    const page = await newBrowser('en').follow(`${keyturn.url}/demo`);
    const rows = [...page.html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => textOf(row[1] ?? ''));
    return rows.find((row) => row.includes(type));
  }

  it('POST /demo/webhooks › a signed vehicle event is acknowledged and listed on the demo page as verified', async () => {
    const demo = await keyturn.repositories.apps.find(demoClientId);
    if (!demo) throw new Error('the demo app is not registered');
    const response = await postWebhook(
      vehicleEvent('accident_reported', { latitude: 48.13743, longitude: 11.57549, vehicle_moving: false }),
      demo.webhookSecrets.current,
    );
    expect(response.status).toBe(204);

    const row = await eventRow('accident_reported');
    expect(row).toContain(bmwVin);
    expect(row).toContain('latitude: 48.13743, longitude: 11.57549, vehicle_moving: false');
    expect(row).toContain(message('en', 'demo:events.verified'));
    expect(row).not.toContain(message('en', 'demo:events.not_verified'));
  });

  it('POST /demo/webhooks › a badly signed event is refused with 401 and listed as not verified', async () => {
    const stranger = `whsec_${randomBytes(24).toString('base64')}`;
    const response = await postWebhook(
      vehicleEvent('emergency_reported', { mobile_connection: true }),
      stranger,
    );
    expect(response.status).toBe(401);

    const row = await eventRow('emergency_reported');
    expect(row).toContain(bmwVin);
    expect(row).toContain(message('en', 'demo:events.not_verified'));
  });

  it('GET /demo › lists the webhooks in German with a refresh link, and no automatic refresh', async () => {
    const page = await newBrowser('de').follow(`${keyturn.url}/demo?lang=de`);
    const text = textOf(page.html);
    expect(text).toContain(message('de', 'demo:events.heading'));
    expect(text).toContain(message('de', 'demo:events.signature'));
    expect(page.html).toContain(`href="/demo#events">${message('de', 'demo:events.refresh')}</a>`);
    expect(page.html).not.toContain('http-equiv="refresh"');
  });

  it('answers a forged callback with its localized error page, and no tokens', async () => {
    const browser = newBrowser('de');
    const page = await browser.request(`${keyturn.url}/demo/callback?code=forged&state=forged`);
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain(message('de', 'demo:result.error_intro'));
    // No token cookie was set, so the result page sends the visitor back to the demo's start.
    const result = await browser.request(`${keyturn.url}/demo/result`);
    expect(result.status).toBe(302);
    expect(new URL(result.headers.get('location') ?? '', keyturn.url).pathname).toBe('/demo');
  });

  /** Walks the demo's journey as a new owner up to the permissions step, and answers it with `decision`. */
  async function walkDemo(browser: HttpBrowser, email: string, decision: 'allow' | 'deny') {
    const landing = await browser.follow(`${keyturn.url}/demo/connect?brand=mini`);
    expect(stepOf(landing), landing.html.slice(0, 300)).toBe('landing');
    let page = await browser.follow(`${interactionBase(landing)}/account`);
    page = await proveNewEmail(browser, page, { email });
    expect(stepOf(page)).toBe('vin');
    page = await browser.submit(page, { vin: miniVin });
    expect(stepOf(page)).toBe('permissions');
    return browser.submit(page, { decision });
  }

  it('GET /demo/callback › after Deny shows that nothing was shared, with a way to start again', async () => {
    const browser = newBrowser('de');
    const page = await walkDemo(browser, 'demo.denier@example.com', 'deny');
    expect(new URL(page.url).pathname).toBe('/demo/callback');
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain(message('de', 'demo:denied.heading'));
    expect(text).toContain(message('de', 'demo:denied.nothing_shared'));
    expect(text).not.toContain(message('de', 'demo:result.error_intro'));
    expect(page.html).toContain(`href="/demo">${message('de', 'demo:denied.start_again')}</a>`);
  });

  it('GET /demo/result › a clearance the owner rejected with the maker shows the rejected state and a way to try again', async () => {
    const browser = newBrowser('en');
    const page = await walkDemo(browser, 'demo.rejected@example.com', 'allow');
    expect(new URL(page.url).pathname).toBe('/demo/result');
    const clearance = await keyturn.database.query()('clearances').where({ vin: miniVin }).first();
    await changeClearance(keyturn, clearance?.grant_id ?? null, 'owner_rejected');

    const rejected = await resultPage(browser);
    const text = textOf(rejected.html);
    expect(text).toContain(message('en', 'demo:result.rejected.heading'));
    expect(text).toContain(message('en', 'demo:result.rejected.owner_rejected'));
    expect(text).not.toContain(message('en', 'demo:result.pending_note'));
    expect(text).not.toContain(message('en', 'demo:result.mailbox_link'));
    expect(rejected.html).toContain(`href="/demo">${message('en', 'demo:result.rejected.try_again')}</a>`);
    expect(rejected.html).toContain('class="status rejected"');
  });
});
