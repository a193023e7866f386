// The Platform's Integration page over real HTTP, as a fleet admin's browser uses it, with a real webhook
// receiver on 127.0.0.1: the client secret rotated with an overlap (the new one gets a token at once, the
// old one until the overlap ends), the webhook URL checked by the target guard, the signing secret rotated
// (deliveries verify with the new secret, and with the old one during the overlap), a signed test event,
// the delivery log with replay (the same webhook-id; never another fleet's job), 410 Gone and enabling again,
// the test events' limit, admins only, CSRF; `keyturn fleets rotate-client-secret` as a child process; and
// the page in headless Chromium on a phone, in English and German.
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFleet } from '../../src/fleets/register-fleet.ts';
import { hashSecret } from '../../src/security/secrets.ts';
import { fleetPingJob } from '../../src/webhooks/kinds.ts';
import { accessibilityViolations, expectToFitPhone, openBrowser, phone } from '../support/chromium.ts';
import { keyturnCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { apiCall, clientCredentialsToken, registerTestFleet, type TestFleet } from '../support/fleet.ts';
import { formOf, type HttpBrowser, type Page, textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor } from '../support/journey.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { startWebhookReceiver, verifyStandardWebhook, type WebhookReceiver } from '../support/relay.ts';

describe('Platform › Integration page', () => {
  let database: TestDatabase;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let otherReceiver: WebhookReceiver;
  let fleet: TestFleet;
  let other: TestFleet;
  let admin: HttpBrowser;
  const adminEmail = 'integration.admin@rent-a-fleet.example';
  const otherEmail = 'integration.admin@other-fleet.example';
  const password = 'fleet integration passphrase 42';

  /** Sets the admin's password from the mailed link and signs in; returns the signed-in browser. */
  async function signedInAdmin(email: string): Promise<HttpBrowser> {
    await keyturn.worker.drain();
    const browser = newBrowser();
    const form = await browser.follow(await passwordLinkFor(keyturn.url, email));
    expect((await browser.submit(form, { password })).status).toBe(200);
    return signedIn(browser, email);
  }

  async function signedIn(browser: HttpBrowser, email: string): Promise<HttpBrowser> {
    const signIn = await browser.follow(`${keyturn.url}/platform/sign-in`);
    const overview = await browser.submit(signIn, { email, password });
    expect(new URL(overview.url).pathname).toBe('/platform');
    return browser;
  }

  const open = (browser: HttpBrowser, path: string) => browser.follow(`${keyturn.url}${path}`);
  const integration = (browser = admin) => open(browser, '/platform/integration');
  const stored = async (fleetId: string) => {
    const found = await keyturn.repositories.fleets.find(fleetId);
    if (!found) throw new Error(`fleet ${fleetId} vanished`);
    return found;
  };
  /** The secret a POST's page shows once (`<code id="…">`). */
  const shownSecret = (page: Page, id: string) => {
    const secret = new RegExp(`<code id="${id}">([^<]+)</code>`).exec(page.html)?.[1];
    if (!secret) throw new Error(`no ${id} on ${page.url}`);
    return secret;
  };
  const tokenFor = (client_id: string, client_secret: string) =>
    clientCredentialsToken(keyturn.url, { client_id, client_secret });
  /** Refused at the token endpoint: 401 invalid_client. */
  const expectRefused = async (client_id: string, client_secret: string) =>
    expect(tokenFor(client_id, client_secret)).rejects.toMatchObject({ status: 401 });

  async function sendTestEvent(browser = admin): Promise<Page> {
    const sent = await browser.submit(await integration(browser), {}, '/webhook/test-event');
    expect(new URL(sent.url).search).toBe('?done=test_event_sent');
    await keyturn.worker.drain();
    return sent;
  }

  const signedWith = (secret: string, delivery: { headers: IncomingHttpHeaders; body: string }) =>
    verifyStandardWebhook(secret, delivery.headers, delivery.body);

  beforeAll(async () => {
    database = await createTestDatabase();
    keyturn = await startKeyturn({}, database);
    receiver = await startWebhookReceiver();
    otherReceiver = await startWebhookReceiver();
    fleet = await registerTestFleet(keyturn, { name: 'Rent-a-Fleet', adminEmail, webhookUrl: receiver.url });
    other = await registerTestFleet(keyturn, {
      name: 'Other Fleet',
      adminEmail: otherEmail,
      webhookUrl: otherReceiver.url,
    });
    admin = await signedInAdmin(adminEmail);
  });
  afterAll(async () => {
    await keyturn?.close();
    await receiver?.close();
    await otherReceiver?.close();
    await database?.drop();
  });

  it('GET /platform/integration › the admin reaches it from the overview and sees the client id and webhook URL, no secret', async () => {
    const overview = await open(admin, '/platform');
    expect(overview.html).toContain('href="/platform/integration"');
    const page = await integration();
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain(message('en', 'platform_integration:heading'));
    expect(text).toContain(fleet.client_id);
    expect(page.html).toContain(`value="${receiver.url}"`);
    expect(text).toContain(message('en', 'platform_integration:deliveries.empty'));
    expect(page.html).not.toContain(fleet.client_secret);
    expect(page.html).not.toContain(fleet.webhook_secret);
  });

  it('POST /platform/integration/client-secret/rotate › the new secret, shown once, gets a token at once; the old one works during the overlap and is refused after it', async () => {
    const oldSecret = fleet.client_secret;
    // The old secret was just used: this process keeps the client's metadata cached.
    await tokenFor(fleet.client_id, oldSecret);
    const page = await integration();
    const rotated = await admin.submit(page, { overlap: '86400' }, '/client-secret/rotate');
    expect(rotated.status).toBe(200);
    expect(new URL(rotated.url).pathname).toBe('/platform/integration/client-secret/rotate');
    const newSecret = shownSecret(rotated, 'new-client-secret');
    expect(newSecret).not.toBe(oldSecret);
    expect(textOf(rotated.html)).toContain(message('en', 'platform_integration:shown_once'));
    expect(rotated.headers.get('cache-control')).toBe('no-store');

    const token = await tokenFor(fleet.client_id, newSecret);
    expect((await apiCall(`${keyturn.url}/v1/fleet/vehicles`, token, 'GET')).status).toBe(200);
    await tokenFor(fleet.client_id, oldSecret);
    const after = await stored(fleet.fleet_id);
    expect(after.clientSecretHash).toBe(hashSecret(newSecret));
    expect(after.previousClientSecret?.hash).toBe(hashSecret(oldSecret));
    expect(after.previousClientSecret?.expiresAt).toBeGreaterThan(Date.now() + 86_000_000);
    expect(after.previousClientSecret?.expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);

    // Shown once: the page shows it no more, only until when the previous secret works.
    const again = await integration();
    expect(again.html).not.toContain(newSecret);
    const until =
      message('en', 'platform_integration:credentials.previous_until').split('{{until}}')[0] ?? '';
    expect(textOf(again.html)).toContain(until.trim());

    // A day later (the stored expiry moved into the past): only the new secret.
    await keyturn.repositories.fleets.endClientSecretOverlap(fleet.fleet_id, Date.now() - 60_000);
    await expectRefused(fleet.client_id, oldSecret);
    await tokenFor(fleet.client_id, newSecret);
    fleet.client_secret = newSecret;
  });

  it('POST /platform/integration/client-secret/end-overlap › the previous secret is refused from then on', async () => {
    const rotated = await admin.submit(await integration(), { overlap: '3600' }, '/client-secret/rotate');
    const newSecret = shownSecret(rotated, 'new-client-secret');
    await tokenFor(fleet.client_id, fleet.client_secret);
    const page = await integration();
    const ended = await admin.submit(page, {}, '/client-secret/end-overlap');
    expect(new URL(ended.url).search).toBe('?done=overlap_ended');
    expect(textOf(ended.html)).toContain(message('en', 'platform_integration:done.overlap_ended'));
    expect(ended.html).not.toContain('/client-secret/end-overlap');
    await expectRefused(fleet.client_id, fleet.client_secret);
    await tokenFor(fleet.client_id, newSecret);
    fleet.client_secret = newSecret;
  });

  it('POST /platform/integration/webhook/url › a bad URL is refused on the field and nothing is stored; a good one is saved; empty means no webhooks', async () => {
    const page = await integration();
    const refused = await admin.submit(page, { webhook_url: 'ftp://fleet.example/hook' }, '/webhook/url');
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain(message('en', 'platform_integration:url_problems.scheme'));
    expect(refused.html).toMatch(/<input id="webhook_url"[^>]*aria-invalid="true"/);
    expect(refused.html).toContain('value="ftp://fleet.example/hook"');
    const invalid = await admin.submit(page, { webhook_url: 'fleet.example/hook' }, '/webhook/url');
    expect(invalid.status).toBe(400);
    expect(textOf(invalid.html)).toContain(message('en', 'platform_integration:url_problems.invalid'));
    expect((await stored(fleet.fleet_id)).webhookUrl).toBe(receiver.url);

    const elsewhere = 'http://127.0.0.1:9/elsewhere';
    const saved = await admin.submit(page, { webhook_url: ` ${elsewhere} ` }, '/webhook/url');
    expect(new URL(saved.url).search).toBe('?done=webhook_url_saved');
    expect(saved.html).toContain(`value="${elsewhere}"`);
    expect((await stored(fleet.fleet_id)).webhookUrl).toBe(elsewhere);

    const removed = await admin.submit(saved, { webhook_url: '' }, '/webhook/url');
    expect(new URL(removed.url).search).toBe('?done=webhook_url_removed');
    expect((await stored(fleet.fleet_id)).webhookUrl).toBeNull();
    const noUrl = await admin.submit(removed, {}, '/webhook/test-event');
    expect(noUrl.status).toBe(409);
    expect(textOf(noUrl.html)).toContain(message('en', 'platform_integration:test_event.no_url'));

    await admin.submit(removed, { webhook_url: receiver.url }, '/webhook/url');
    expect((await stored(fleet.fleet_id)).webhookUrl).toBe(receiver.url);
  });

  it('POST /platform/integration/webhook/events › the admin chooses the vehicle events, priced on the page; an unknown type changes nothing', async () => {
    const page = await integration();
    expect(textOf(page.html)).toContain(message('en', 'domain:vehicle_events.accident_reported'));
    expect(textOf(page.html)).toContain('€0.12');
    expect(textOf(page.html)).toContain('€6.69');
    const saved = await admin.submit(page, { event_types: 'accident_reported' }, '/webhook/events');
    expect(new URL(saved.url).search).toBe('?done=events_saved');
    expect((await stored(fleet.fleet_id)).eventTypes).toEqual(['accident_reported']);
    expect(saved.html).toMatch(/id="event-accident_reported"[^>]*checked/);

    const refused = await admin.submit(saved, { event_types: 'door_opened' }, '/webhook/events');
    expect(refused.status).toBe(400);
    expect((await stored(fleet.fleet_id)).eventTypes).toEqual(['accident_reported']);

    const none = await admin.submit(await integration(), {}, '/webhook/events');
    expect(new URL(none.url).search).toBe('?done=events_saved');
    expect((await stored(fleet.fleet_id)).eventTypes).toEqual([]);
  });

  it('POST /platform/integration/webhook/test-event › a signed ping arrives at the webhook URL and shows in the delivery log', async () => {
    const before = receiver.received.length;
    await sendTestEvent();
    expect(receiver.received).toHaveLength(before + 1);
    const ping = receiver.received.at(-1);
    if (!ping) throw new Error('no ping');
    expect(signedWith(fleet.webhook_secret, ping)).toBe(true);
    const body = JSON.parse(ping.body);
    expect(body).toEqual({
      event: { type: 'ping', received_at: expect.any(String) },
      fleet: { id: fleet.fleet_id },
    });
    expect(Math.abs(Date.parse(body.event.received_at) - Date.now())).toBeLessThan(60_000);

    const page = await integration();
    const text = textOf(page.html);
    expect(text).toContain('ping');
    expect(text).toContain(message('en', 'platform_integration:deliveries.status', { status: '204' }));
    expect(text).toContain(String(ping.headers['webhook-id']));
  });

  it('POST /platform/integration/webhook/secret/rotate › deliveries verify with the new secret, and with the old one during the overlap; with no overlap only the newest signs', async () => {
    const oldSecret = fleet.webhook_secret;
    const rotated = await admin.submit(await integration(), { overlap: '86400' }, '/webhook/secret/rotate');
    expect(rotated.status).toBe(200);
    const newSecret = shownSecret(rotated, 'new-webhook-secret');
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect((await integration()).html).not.toContain(newSecret);
    try {
      // The receiver verifies as an integrator would: first with the new secret, then still with the old one.
      receiver.verifyWith(newSecret);
      const before = receiver.received.length;
      await sendTestEvent();
      expect(receiver.received).toHaveLength(before + 1);
      receiver.verifyWith(oldSecret);
      await sendTestEvent();
      expect(receiver.received).toHaveLength(before + 2);
      const during = receiver.received.at(-1);
      if (!during) throw new Error('no delivery');
      expect(signedWith(newSecret, during)).toBe(true);
      expect(signedWith(oldSecret, during)).toBe(true);

      const newest = shownSecret(
        await admin.submit(await integration(), { overlap: '0' }, '/webhook/secret/rotate'),
        'new-webhook-secret',
      );
      receiver.verifyWith(newest);
      await sendTestEvent();
      expect(receiver.received).toHaveLength(before + 3);
      const after = receiver.received.at(-1);
      if (!after) throw new Error('no delivery');
      expect(signedWith(newest, after)).toBe(true);
      expect(signedWith(newSecret, after)).toBe(false);
      expect(signedWith(oldSecret, after)).toBe(false);
      fleet.webhook_secret = newest;
    } finally {
      receiver.verifyWith(undefined);
    }
  });

  it('POST /platform/integration/deliveries/{job}/replay › the delivery is sent again with the same webhook-id', async () => {
    const [last] = await keyturn.repositories.webhookDeliveries.list({ clientId: fleet.client_id, limit: 1 });
    if (!last) throw new Error('no delivery yet');
    const before = receiver.received.length;
    const page = await integration();
    const replayed = await admin.submit(page, {}, `/deliveries/${last.jobId}/replay`);
    expect(new URL(replayed.url).search).toBe('?done=replayed');
    expect(textOf(replayed.html)).toContain(message('en', 'platform_integration:done.replayed'));
    await keyturn.worker.drain();
    expect(receiver.received).toHaveLength(before + 1);
    expect(receiver.received.at(-1)?.headers['webhook-id']).toBe(last.webhookId);
    const log = await keyturn.repositories.webhookDeliveries.list({ clientId: fleet.client_id });
    expect(log.filter((delivery) => delivery.webhookId === last.webhookId)).toHaveLength(2);
  });

  it('POST /platform/integration/deliveries/{job}/replay › another fleet’s job id from a forged form is 404 and nothing is sent', async () => {
    await keyturn.repositories.outbox.enqueue(fleetPingJob, {
      fleetId: other.fleet_id,
      occurredAt: Date.now(),
    });
    await keyturn.worker.drain();
    const [theirs] = await keyturn.repositories.webhookDeliveries.list({ clientId: other.client_id });
    if (!theirs) throw new Error('the other fleet got no delivery');
    const received = otherReceiver.received.length;
    const { csrf } = formOf(await integration(), '/webhook/test-event').hidden;
    for (const job of [String(theirs.jobId), '999999999', '0', 'x1']) {
      const answer = await admin.request(`${keyturn.url}/platform/integration/deliveries/${job}/replay`, {
        form: { csrf },
      });
      expect(answer.status, job).toBe(404);
    }
    expect(await keyturn.repositories.outbox.pending()).toBe(0);
    await keyturn.worker.drain();
    expect(otherReceiver.received).toHaveLength(received);
  });

  it('410 Gone › the page shows the endpoint as disabled and refuses test events; "Enable again" turns it back on', async () => {
    receiver.failNext(1, 410);
    await sendTestEvent();
    const disabled = await integration();
    const text = textOf(disabled.html);
    expect(text).toContain(`${receiver.url} answered 410 Gone`);
    expect(text).toContain(message('en', 'platform_integration:deliveries.status', { status: '410' }));
    expect((await stored(fleet.fleet_id)).webhookDisabled).not.toBeNull();
    const refused = await admin.submit(disabled, {}, '/webhook/test-event');
    expect(refused.status).toBe(409);
    expect(textOf(refused.html)).toContain(message('en', 'platform_integration:test_event.disabled'));

    const enabled = await admin.submit(disabled, {}, '/webhook/enable');
    expect(new URL(enabled.url).search).toBe('?done=webhook_enabled');
    expect((await stored(fleet.fleet_id)).webhookDisabled).toBeNull();
    expect(textOf(enabled.html)).not.toContain(`${receiver.url} answered 410 Gone`);
    const before = receiver.received.length;
    await sendTestEvent();
    expect(receiver.received).toHaveLength(before + 1);
  });

  it('POST /platform/integration/webhook/test-event › ten per fleet and hour; the eleventh is 429 with Retry-After', async () => {
    const email = 'integration.admin@limited-fleet.example';
    const limited = await registerTestFleet(keyturn, {
      name: 'Limited Fleet',
      adminEmail: email,
      webhookUrl: otherReceiver.url,
    });
    const browser = await signedInAdmin(email);
    for (let sent = 0; sent < 10; sent++) {
      const page = await browser.submit(await integration(browser), {}, '/webhook/test-event');
      expect(new URL(page.url).search).toBe('?done=test_event_sent');
    }
    const refused = await browser.submit(await integration(browser), {}, '/webhook/test-event');
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(3000);
    expect(wait).toBeLessThanOrEqual(3600);
    expect(textOf(refused.html)).toContain(
      message('en', 'platform_integration:test_event.too_many', { minutes: String(Math.ceil(wait / 60)) }),
    );
    expect(await keyturn.repositories.outbox.pending(fleetPingJob)).toBe(10);
    await keyturn.worker.drain();
    expect(limited.fleet_id).toBeTruthy();
  });

  it('POST /platform/integration/… › without the CSRF token → 403 and nothing changes', async () => {
    const before = await stored(fleet.fleet_id);
    for (const [path, form] of [
      ['/client-secret/rotate', { overlap: '86400' }],
      ['/webhook/url', { webhook_url: 'http://127.0.0.1:9/forged' }],
      ['/webhook/secret/rotate', { overlap: '0' }],
    ] as const) {
      const answer = await admin.request(`${keyturn.url}/platform/integration${path}`, { form });
      expect(answer.status, path).toBe(403);
      expect(textOf(answer.html)).toContain(message('en', 'errors:csrf_rejected'));
    }
    const after = await stored(fleet.fleet_id);
    expect(after.clientSecretHash).toBe(before.clientSecretHash);
    expect(after.webhookUrl).toBe(before.webhookUrl);
    expect(after.webhookSecrets).toEqual(before.webhookSecrets);
  });

  it('GET /platform/integration › a member who is no admin gets 403 (localized) for the page and every change, and no link to it', async () => {
    const email = 'integration.member@rent-a-fleet.example';
    const { account } = await keyturn.repositories.accounts.findOrCreate({
      email,
      country: 'DE',
      locale: 'de',
    });
    await keyturn.repositories.accounts.setPassword(account.id, await keyturn.passwords.hash(password));
    await keyturn.repositories.fleetMembers.add(fleet.fleet_id, account.id, 'member');
    const member = await signedIn(newBrowser(), email);
    const overview = await open(member, '/platform');
    expect(overview.status).toBe(200);
    expect(overview.html).not.toContain('href="/platform/integration"');

    const page = await integration(member);
    expect(page.status).toBe(403);
    expect(textOf(page.html)).toContain(message('en', 'errors:titles.forbidden'));
    expect(textOf(page.html)).toContain(message('en', 'errors:forbidden'));
    expect(page.html).not.toContain(fleet.client_id);
    member.acceptLanguage = 'de';
    expect(textOf((await integration(member)).html)).toContain(message('de', 'errors:forbidden'));

    const before = await stored(fleet.fleet_id);
    const { csrf } = formOf(overview, '/platform/sign-out').hidden;
    const [mine] = await keyturn.repositories.webhookDeliveries.list({ clientId: fleet.client_id, limit: 1 });
    for (const path of [
      '/client-secret/rotate',
      '/client-secret/end-overlap',
      '/webhook/url',
      '/webhook/secret/rotate',
      '/webhook/enable',
      '/webhook/test-event',
      `/deliveries/${mine?.jobId}/replay`,
    ]) {
      const answer = await member.request(`${keyturn.url}/platform/integration${path}`, {
        form: { csrf, overlap: '86400', webhook_url: 'http://127.0.0.1:9/member' },
      });
      expect(answer.status, path).toBe(403);
    }
    const after = await stored(fleet.fleet_id);
    expect(after.clientSecretHash).toBe(before.clientSecretHash);
    expect(after.webhookUrl).toBe(before.webhookUrl);
    expect(after.webhookSecrets).toEqual(before.webhookSecrets);
    expect(await keyturn.repositories.outbox.pending()).toBe(0);
  });

  it('keyturn fleets rotate-client-secret › prints {fleet_id, client_id, client_secret, previous_expires_at}; both secrets get a token during the overlap; an unknown fleet or a bad overlap changes nothing', async () => {
    // Registered here, never used against this server yet: nothing of it is cached in this process, so the
    // CLI's rotation (another process) is seen at once rather than within ten seconds.
    const registered = await registerFleet(
      {
        transactions: keyturn.database,
        fleets: keyturn.repositories.fleets,
        accounts: keyturn.repositories.accounts,
        members: keyturn.repositories.fleetMembers,
        outbox: keyturn.repositories.outbox,
      },
      { name: 'CLI Fleet', adminEmail: 'ops@cli-fleet.example' },
      keyturn.config.webhooks,
    );
    const started = Date.now();
    const rotated = await keyturnCli(database, [
      'fleets',
      'rotate-client-secret',
      '--fleet',
      registered.fleet_id,
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const output = JSON.parse(rotated.stdout) as Record<string, string>;
    expect(Object.keys(output).sort()).toEqual([
      'client_id',
      'client_secret',
      'fleet_id',
      'previous_expires_at',
    ]);
    expect(output).toMatchObject({ fleet_id: registered.fleet_id, client_id: registered.client_id });
    expect(output.client_secret).not.toBe(registered.client_secret);
    const expiresAt = Date.parse(output.previous_expires_at ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(started + 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
    await tokenFor(registered.client_id, output.client_secret ?? '');
    await tokenFor(registered.client_id, registered.client_secret);

    const before = await keyturn.repositories.fleets.list();
    const [unknown, badOverlap] = await Promise.all([
      keyturnCli(database, ['fleets', 'rotate-client-secret', '--fleet', 'flt_nobody']),
      keyturnCli(database, [
        'fleets',
        'rotate-client-secret',
        '--fleet',
        registered.fleet_id,
        '--overlap',
        '1d',
      ]),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('no fleet flt_nobody');
    expect(badOverlap.code).not.toBe(0);
    expect(badOverlap.stdout).toBe('');
    expect(badOverlap.stderr).toContain('the overlap must be a whole number of seconds from 0 to 2592000');
    expect(await keyturn.repositories.fleets.list()).toEqual(before);
  });

  describe('in headless Chromium on a phone', () => {
    for (const locale of ['en', 'de'] as const) {
      it(`GET /platform/integration (phone, ${locale}) › the page, a new secret shown once and a URL refused on its field (in the page’s language) pass axe and fit the screen`, async () => {
        const browser = await openBrowser(phone);
        try {
          const { page } = browser;
          const visit = async (name: string) => {
            expect(await accessibilityViolations(page)).toEqual([]);
            await expectToFitPhone(page, `platform-integration-${name}-${locale}`);
          };
          await page.goto(`${keyturn.url}/platform/sign-in?lang=${locale}`);
          await page.fill('input[name=email]', adminEmail);
          await page.fill('input[name=password]', password);
          await page.click('form button.primary[type=submit]');
          await page.waitForURL(/\/platform$/);
          await page.click('a[href="/platform/integration"]');
          await page.waitForURL(/\/platform\/integration$/);
          expect(await page.textContent('h1')).toBe(message(locale, 'platform_integration:heading'));
          await visit('page');
          await page.selectOption('#webhook-overlap', '3600');
          await page.click('form[action$="/webhook/secret/rotate"] button[type=submit]');
          await page.waitForURL(/\/webhook\/secret\/rotate$/);
          expect(await page.textContent('#new-webhook-secret')).toMatch(/^whsec_/);
          await visit('new-secret');
          await page.fill(
            '#webhook_url',
            'ftp://fleet.example/a/rather/long/path/for/a/webhook/endpoint/on/a/phone',
          );
          await page.click('form[action$="/webhook/url"] button[type=submit]');
          await page.waitForURL(/\/webhook\/url$/);
          expect(await page.textContent('#webhook_url-error')).toBe(
            message(locale, 'platform_integration:url_problems.scheme'),
          );
          await visit('refused-url');
        } finally {
          await browser.close();
        }
      }, 90_000);
    }
  });
});
