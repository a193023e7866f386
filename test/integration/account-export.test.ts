// The owner's data download, GET /account/export: only after the password was confirmed in this session in
// the last five minutes (a wrong one refused and counted by the sign-in throttle), at most five an hour, and
// holding everything Keyturn keeps about the owner (account, saved vehicle, consent record, clearance with
// its history, the apps that received data) and nothing of other owners and no secret. Owners reach it
// through the real journey, the maker's signed approval and a forwarded vehicle event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { hashSecret, randomToken } from '../../src/security/secrets.ts';
import { formOf, type HttpBrowser, type Page, textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { callbackBody, everyProperty, postSignedCallback } from '../support/maker-callbacks.ts';
import {
  grantClearance,
  type OemWorld,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/relay.ts';

const passphrase = 'a long and secret passphrase';
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// Every test walks at least one owner through the journey and sets a password (scrypt), which takes
// seconds each.
describe('owner data export', { timeout: 90_000 }, () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let app: RegisteredApp;
  let owners = 0;

  beforeAll(async () => {
    world = await startOemWorld();
    // Three failures pause an account's sign-in; every check in this file comes from one address.
    keyturn = await startKeyturnWithOem(world, {
      SIGN_IN_FAILURES_PER_ACCOUNT: '3',
      SIGN_IN_ATTEMPTS_PER_ADDRESS: '1000',
    });
    receiver = await startWebhookReceiver();
    app = await registerTestApp(keyturn, {
      webhookUrl: receiver.url,
      eventTypes: ['vehicle_location_changed'],
    });
  });
  afterAll(async () => {
    await keyturn?.close();
    await receiver?.close();
    await world?.simulator.close();
  });

  const url = (path: string) => `${keyturn.url}${path}`;

  const fromMaker = async (body: string) => {
    const answer = await postSignedCallback({
      issuer: keyturn.url,
      provider: 'bmw',
      secret: world.secrets.bmw?.webhookSecret ?? '',
      body,
    });
    expect(answer.status).toBe(200);
    await keyturn.worker.drain();
  };

  /**
   * A new owner who consented in the journey, was approved by the maker, had one vehicle event forwarded
   * to the app, and set a password from the mailed link.
   */
  async function ownerWithData(withPassword = true) {
    owners++;
    const email = `export.owner${owners}@example.com`;
    const vin = `WBA8E9G50GNT${String(60000 + owners)}`;
    const granted = await grantClearance(keyturn, app, { email, vin, scope: 'location mileage' });
    await keyturn.worker.drain();
    await fromMaker(callbackBody('authorization_changed', granted.clearance, { status: 'approved' }));
    await fromMaker(callbackBody('vehicle_location_changed', granted.clearance, everyProperty));
    if (withPassword) {
      const browser = newBrowser();
      await browser.submit(await browser.follow(await passwordLinkFor(keyturn.url, email)), {
        password: passphrase,
      });
    }
    const account = await keyturn.repositories.accounts.findByEmail(email);
    if (!account) throw new Error(`no account for ${email}`);
    return { ...granted, account };
  }

  async function signedIn(email: string, locale = 'en'): Promise<HttpBrowser> {
    const browser = newBrowser(locale);
    const page = await browser.submit(await browser.follow(url('/account/sign-in')), {
      email,
      password: passphrase,
    });
    expect(page.url).toBe(url('/account'));
    return browser;
  }

  /** Confirms the password on the confirmation page; the redirect after it is followed to the download. */
  async function confirmAndDownload(browser: HttpBrowser, password = passphrase): Promise<Page> {
    const confirmation = await browser.follow(url('/account/export/confirm'));
    expect(confirmation.status).toBe(200);
    return browser.submit(confirmation, { password }, '/account/export/confirm');
  }

  const ownSessionId = (browser: HttpBrowser) =>
    /keyturn\.owner=([^;]+)/.exec(browser.cookiesFor(url('/account')))?.[1] ?? '';

  it('GET /account/export › not signed in, redirects to sign-in and comes back to the confirmation after', async () => {
    const owner = await ownerWithData();
    const browser = newBrowser();
    const first = await browser.request(url('/account/export'));
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/account/sign-in?next=%2Faccount%2Fexport');
    expect((await browser.request(url('/account/export/confirm'))).headers.get('location')).toBe(
      '/account/sign-in?next=%2Faccount%2Fexport%2Fconfirm',
    );
    const signInPage = await browser.follow(url('/account/export'));
    const back = await browser.submit(signInPage, { email: owner.email, password: passphrase });
    expect(back.url).toBe(url('/account/export/confirm'));
    expect(textOf(back.html)).toContain(message('en', 'account_export:confirm.heading'));
  });

  it('GET /account/export › without a password confirmed in this session, 303 to a CSRF-protected confirmation page showing the email', async () => {
    const owner = await ownerWithData();
    const browser = await signedIn(owner.email);
    const download = await browser.request(url('/account/export'));
    expect(download.status).toBe(303);
    expect(download.headers.get('location')).toBe('/account/export/confirm');
    const page = await browser.follow(url('/account/export/confirm'));
    expect(page.status).toBe(200);
    expect(page.html).toContain(`value="${owner.email}"`);
    expect(textOf(page.html)).toContain(message('en', 'account_export:confirm.intro'));
    expect(formOf(page, '/account/export/confirm').hidden.csrf).toBeTruthy();
    const forged = await browser.request(url('/account/export/confirm'), {
      method: 'POST',
      form: { password: passphrase },
    });
    expect(forged.status).toBe(403);
    expect((await browser.request(url('/account/export'))).status).toBe(303);
  });

  it('POST /account/export/confirm › a wrong password answers 400, is counted by the sign-in throttle, and three pause even the right one (429)', async () => {
    const owner = await ownerWithData();
    const browser = await signedIn(owner.email);
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await confirmAndDownload(browser, 'not the passphrase');
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain(message('en', 'account_export:confirm.wrong_password'));
    }
    expect((await browser.request(url('/account/export'))).status).toBe(303);

    const paused = await confirmAndDownload(browser);
    expect(paused.status).toBe(429);
    expect(Number(paused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(textOf(paused.html)).toContain(message('en', 'account_export:confirm.throttled'));
    // The same count pauses signing in to the account elsewhere.
    const elsewhere = newBrowser();
    const signIn = await elsewhere.submit(await elsewhere.follow(url('/account/sign-in')), {
      email: owner.email,
      password: passphrase,
    });
    expect(signIn.status).toBe(429);
  });

  it('GET /account/export › after confirming, a JSON attachment, not cached, with the account, saved vehicle, consent record, clearance history and the app that received data', async () => {
    const owner = await ownerWithData();
    const other = await ownerWithData();
    const browser = await signedIn(owner.email);
    const download = await confirmAndDownload(browser);
    expect(download.status).toBe(200);
    expect(download.url).toBe(url('/account/export'));
    expect(download.headers.get('content-type')).toMatch(/^application\/json/);
    expect(download.headers.get('cache-control')).toBe('no-store');
    const today = new Date().toISOString().slice(0, 10);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="keyturn-export-${today}.json"`,
    );

    const document = JSON.parse(download.html);
    expect(typeof document.format).toBe('string');
    expect(document.exported_at).toMatch(isoTime);
    expect(Date.now() - Date.parse(document.exported_at)).toBeLessThan(60_000);
    expect(document.account).toEqual({
      email: owner.email,
      country: 'DE',
      locale: 'en',
      created_at: new Date(owner.account.createdAt).toISOString(),
      password_set: true,
    });
    expect(document.saved_vehicles).toEqual([{ brand: 'bmw', vin: owner.vin }]);

    const [stored] = await keyturn.repositories.consentRecords.listForAccount(owner.account.id);
    expect(stored?.textVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(document.consent_records).toEqual([
      {
        kind: 'consent',
        occasion: 'journey',
        clearance_id: owner.clearance.id,
        app_id: app.client_id,
        app_name: 'Service X',
        brand: 'bmw',
        vin: owner.vin,
        data_points: ['location', 'mileage'],
        text_version: stored?.textVersion,
        locale: 'en',
        recorded_at: new Date(stored?.recordedAt ?? 0).toISOString(),
      },
    ]);

    expect(document.clearances).toHaveLength(1);
    const [clearance] = document.clearances;
    expect(clearance).toMatchObject({
      id: owner.clearance.id,
      app_id: app.client_id,
      app_name: 'Service X',
      brand: 'bmw',
      vin: owner.vin,
      data_points: ['location', 'mileage'],
      status: 'connected',
      authorization_status: 'approved',
    });
    expect(clearance.created_at).toMatch(isoTime);
    const kept = await keyturn.repositories.clearances.find(owner.clearance.id);
    expect(clearance.created_at).toBe(new Date(kept?.createdAt ?? 0).toISOString());
    expect(clearance.grant_expires_at).toBe(
      kept?.grantExpiresAt == null ? null : new Date(kept.grantExpiresAt).toISOString(),
    );
    const history = await keyturn.repositories.clearances.changelog(owner.clearance.id);
    expect(clearance.changelog).toEqual(
      history.map((entry) => ({
        timestamp: new Date(entry.timestamp).toISOString(),
        status: entry.status,
        reason: entry.reason,
      })),
    );
    expect(clearance.changelog.map((entry: { status: string }) => entry.status)).toEqual(
      expect.arrayContaining(['pending_for_data', 'connected']),
    );

    // What the app's receiver actually got about this vehicle.
    const received = receiver.received.map((delivery) => JSON.parse(delivery.body));
    const statusWebhooks = received.filter(
      (body) => body.event.type === 'authorization_changed' && body.vehicle.vin === owner.vin,
    );
    expect(statusWebhooks.length).toBeGreaterThan(0);
    const events = received.filter(
      (body) => body.event.type === 'vehicle_location_changed' && body.vehicle.vin === owner.vin,
    );
    expect(events).toHaveLength(1);
    const month = new Date().toISOString().slice(0, 7);
    expect(document.data_recipients).toHaveLength(1);
    const [recipient] = document.data_recipients;
    expect(recipient).toMatchObject({
      app_id: app.client_id,
      app_name: 'Service X',
      brand: 'bmw',
      vin: owner.vin,
      vehicle_events: { count: events.length, months: [{ month, count: events.length }] },
      authorization_changed_webhooks: { count: statusWebhooks.length },
    });
    expect(recipient.vehicle_events.months[0].last_at).toMatch(isoTime);
    expect(recipient.authorization_changed_webhooks.first_at).toMatch(isoTime);
    expect(
      recipient.authorization_changed_webhooks.last_at >= recipient.authorization_changed_webhooks.first_at,
    ).toBe(true);

    // Nothing of the other owner.
    for (const theirs of [other.email, other.vin, other.clearance.id, other.account.id])
      expect(download.html).not.toContain(theirs);
    // No secret: password hash, tokens, the session, link hashes.
    const { password_hash: passwordHash } = await keyturn.database
      .query()('accounts')
      .where({ id: owner.account.id })
      .first('password_hash');
    const links: { token_hash: string }[] = await keyturn.database
      .query()('password_links')
      .where({ account_id: owner.account.id })
      .select('token_hash');
    const sessionId = ownSessionId(browser);
    expect(passwordHash).toBeTruthy();
    expect(links.length).toBeGreaterThan(0);
    for (const secret of [
      passwordHash,
      owner.tokens.access_token,
      owner.tokens.refresh_token,
      sessionId,
      hashSecret(sessionId),
      ...links.map((link) => link.token_hash),
    ].filter((value): value is string => typeof value === 'string' && value.length > 0))
      expect(download.html).not.toContain(secret);
    expect(download.html).not.toMatch(/password_hash|scrypt/i);
  });

  it('GET /account/export › a confirmation older than five minutes is asked for again', async () => {
    const owner = await ownerWithData();
    const browser = await signedIn(owner.email);
    expect((await confirmAndDownload(browser)).status).toBe(200);
    expect((await browser.request(url('/account/export'))).status).toBe(200);
    const session = hashSecret(ownSessionId(browser));
    expect(await keyturn.repositories.ownerSessions.confirm(session, Date.now() - 5 * 60_000 - 1_000)).toBe(
      true,
    );
    const again = await browser.request(url('/account/export'));
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('/account/export/confirm');
    // A confirmation belongs to its session: signing in afresh asks again.
    const elsewhere = await signedIn(owner.email);
    expect((await elsewhere.request(url('/account/export'))).status).toBe(303);
  });

  it('GET /account/export › the 6th download within an hour answers 429 with Retry-After and a localized message', async () => {
    const owner = await ownerWithData();
    const browser = await signedIn(owner.email, 'de');
    expect((await confirmAndDownload(browser)).status).toBe(200);
    for (let download = 2; download <= 5; download++)
      expect((await browser.request(url('/account/export'))).status).toBe(200);
    const refused = await browser.request(url('/account/export'));
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(3600);
    expect(textOf(refused.html)).toContain(message('de', 'account_export:limit.heading'));
    expect(textOf(refused.html)).toContain(
      message('de', 'account_export:limit.text', { minutes: String(Math.ceil(wait / 60)) }),
    );
    // The limit is the account's: another owner still downloads.
    const other = await ownerWithData();
    expect((await confirmAndDownload(await signedIn(other.email))).status).toBe(200);
  });

  it('GET /account/export/confirm › in German: the dashboard links the download, the confirmation page and its error speak German', async () => {
    const owner = await ownerWithData();
    const browser = await signedIn(owner.email, 'de');
    const dashboard = await browser.follow(url('/account'));
    expect(textOf(dashboard.html)).toContain(message('de', 'account_export:dashboard.heading'));
    expect(dashboard.html).toContain(
      `<a class="button secondary" href="/account/export">${message('de', 'account_export:dashboard.download')}</a>`,
    );
    const page = await browser.follow(url('/account/export'));
    expect(page.url).toBe(url('/account/export/confirm'));
    const text = textOf(page.html);
    expect(text).toContain(message('de', 'account_export:confirm.heading'));
    expect(text).toContain(message('de', 'account_export:confirm.intro'));
    expect(text).toContain(message('de', 'account_export:confirm.submit'));
    expect(text).not.toContain(message('en', 'account_export:confirm.submit'));
    const refused = await browser.submit(page, { password: 'falsches Passwort' }, '/account/export/confirm');
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain(message('de', 'account_export:confirm.wrong_password'));
  });

  it('GET /account/export/confirm › an owner whose account has no password yet is asked to set one first', async () => {
    const owner = await ownerWithData(false);
    expect(owner.account.hasPassword).toBe(false);
    // No password, so no sign-in: the session is started as a sign-in would start it.
    const sessionId = randomToken(32);
    await keyturn.repositories.ownerSessions.create(
      hashSecret(sessionId),
      owner.account.id,
      Date.now() + 60_000,
    );
    const browser = newBrowser();
    browser.extraHeaders = { cookie: `keyturn.owner=${sessionId}` };
    const page = await browser.follow(url('/account/export'));
    expect(page.url).toBe(url('/account/export/confirm'));
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain(
      message('en', 'account_export:no_password.text', { email: owner.email }),
    );
    expect(page.html).toContain('href="/account/password/forgot"');
    expect(page.html).not.toContain('type="password"');
    expect((await browser.request(url('/account/export'))).status).toBe(303);
  });
});
