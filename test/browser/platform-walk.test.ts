// A fleet admin's first day on the Platform in headless Chromium, as a new user would walk it: set the
// password from the mailed link, register a BMW and a Mercedes-Benz (with its certificate's image) by form
// and five vehicles by CSV (one bad row refused in the preview), approve the BMW in the maker's portal and
// see it move from pending to connected, correct a tracker id the maker did not know, disconnect a vehicle
// after confirming, and rotate the webhook secret; in English on a desktop and in German on a phone.
// Screenshots of each page are kept in the OS temp folder.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, openBrowser, phone } from '../support/chromium.ts';
import { fleetVins, pngBytes, registerTestFleet, type TestFleet } from '../support/fleet.ts';
import { passwordLinkFor } from '../support/journey.ts';
import type { RunningKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import {
  type OemWorld,
  portalLink,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/relay.ts';

const screenshots = join(tmpdir(), `keyturn-platform-walk-${process.env.KEYTURN_TEST_DB ?? 'sqlite'}`);

describe('a fleet admin’s first day on the Platform, in Chromium', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  const password = 'first day on the platform';

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    world = await startOemWorld();
    receiver = await startWebhookReceiver();
    keyturn = await startKeyturnWithOem(world);
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
    await receiver?.close();
  });

  async function settle() {
    for (let round = 0; round < 3; round++) {
      await keyturn.worker.drain();
      await world.simulator.knobs.pendingDeliveries();
    }
  }
  let fleet: TestFleet;
  let variant = '';
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(screenshots, `${variant}-${name}.png`), fullPage: true });
  const statusOf = async (tracker: string) =>
    (await fleet.call('GET', `/v1/fleet/vehicles?q=${tracker}`)).body.vehicles[0]?.validation_status;

  async function registerByForm(
    page: Page,
    provider: string,
    fields: Record<string, string>,
    certificate?: Buffer,
  ) {
    await page.goto(`${keyturn.url}/platform/vehicles/new`);
    await page.check(`input[name=provider][value=${provider}]`);
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(new RegExp(`provider=${provider}`));
    for (const [name, value] of Object.entries(fields)) await page.fill(`input[name=${name}]`, value);
    if (certificate)
      await page.setInputFiles('input[name=certificate]', {
        name: 'certificate.png',
        mimeType: 'image/png',
        buffer: certificate,
      });
    await shot(page, `register-${provider}`);
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(/\/platform\/vehicles\/veh_[^/]+\?done=registered$/);
  }

  it.each([
    ['en', 'desktop', desktop],
    ['de', 'phone', phone],
  ] as const)(
    '/platform (%s, %s) › sets the password, registers by form and CSV, approves, corrects, disconnects and rotates the secret',
    async (locale, screen, viewport) => {
      variant = `${locale}-${screen}`;
      const email = `walk.admin.${variant}@rent-a-fleet.example`;
      fleet = await registerTestFleet(keyturn, {
        name: 'Rent-a-Fleet',
        adminEmail: email,
        webhookUrl: receiver.url,
      });
      await keyturn.worker.drain();
      receiver.verifyWith(undefined);
      const browser = await openBrowser(viewport);
      try {
        const { page } = browser;
        await page.goto(await passwordLinkFor(keyturn.url, email));
        await page.fill('input[name=password]', password);
        await page.click('form button.primary[type=submit]');
        await page.waitForSelector('a[href="/platform/sign-in"]');
        await page.goto(`${keyturn.url}/platform/sign-in?lang=${locale}`);
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', password);
        await shot(page, 'sign-in');
        await page.click('form button.primary[type=submit]');
        await page.waitForURL(/\/platform$/);

        await registerByForm(page, 'bmw', { tracker_id: fleetVins.bmw, license_plate: 'M-KT 1' });
        await registerByForm(
          page,
          'mercedes-benz',
          { tracker_id: fleetVins.mercedes, odometer: '48213' },
          pngBytes,
        );

        await page.goto(`${keyturn.url}/platform/vehicles/import`);
        await page.fill(
          'textarea[name=csv]',
          [
            'tracker_id,provider,type,license_plate,make,model,vin,odometer',
            'TGA-400001,targa,canbus,B-KT 1,Ford,Transit,,',
            'TGA-400002,targa,,B-KT 2,,,,',
            'AST-400003,astrata,obd,,,,,',
            'CTK-400004,cartrack,canbus,,,,,',
            'WBA8E9G50GN000000,bmw,oem,M-KT 5,,,,',
            'TSL-400006,tesla,oem,,,,,',
          ].join('\n'),
        );
        await page.click('form[action="/platform/vehicles/import"]:not([enctype]) button[type=submit]');
        await page.waitForURL(/\/platform\/vehicles\/import$/);
        await shot(page, 'import-preview');
        expect(await page.textContent('main')).toContain(message(locale, 'fleets:problems.unknown_provider'));
        await page.click('form[action="/platform/vehicles/import/confirm"] button[type=submit]');
        await page.waitForURL(/\/platform\?/);
        for (const tracker of ['TGA-400001', 'TGA-400002', 'AST-400003', 'CTK-400004', 'WBA8E9G50GN000000'])
          expect(await statusOf(tracker)).toBe('pending');
        expect(await statusOf('TSL-400006')).toBeUndefined();

        // The BMW: validated on its page, approved by the admin in the maker's portal, connected.
        await page.goto(`${keyturn.url}/platform?category=pending&q=${fleetVins.bmw}`);
        await page.click(`a:has-text("${fleetVins.bmw}")`);
        await page.click('form[action$="/validate"] button');
        await page.waitForURL(/done=validated/);
        await settle();
        await page.goto(portalLink(world, email, fleetVins.bmw));
        await page.click('button[name=decision][value=approve]');
        await settle();
        await page.goto(`${keyturn.url}/platform?category=connected`);
        await shot(page, 'overview-connected');
        expect(await page.textContent('main')).toContain(fleetVins.bmw);

        // The unknown VIN: validated, refused by the maker, corrected and validated again.
        await page.goto(`${keyturn.url}/platform?q=WBA8E9G50GN000000`);
        await page.click('a:has-text("WBA8E9G50GN000000")');
        await page.click('form[action$="/validate"] button');
        await settle();
        await page.reload();
        expect(await page.textContent('main')).toContain(
          message(locale, 'platform:status.wrong_tracker_id.next'),
        );
        await page.fill('input[name=tracker_id]', 'WBA8E9G50GNT40005');
        await page.click('form[action$="/tracker-id"] button');
        await page.waitForURL(/done=corrected/);
        await page.click('form[action$="/validate"] button');
        await page.waitForURL(/done=validated/);
        await shot(page, 'vehicle-corrected');
        expect(await statusOf('WBA8E9G50GNT40005')).toBe('pending_validation');

        // A tracker disconnected after confirming.
        await page.goto(`${keyturn.url}/platform?q=CTK-400004`);
        await page.click('a:has-text("CTK-400004")');
        await page.click('a[href$="/remove"]');
        await shot(page, 'disconnect-confirm');
        expect(await statusOf('CTK-400004')).toBe('pending');
        await page.click('form[action$="/remove"] button.danger');
        await page.waitForURL(/done=removed/);
        expect(await statusOf('CTK-400004')).toBe('disconnected');

        // The webhook secret rotated: the new one is shown once and signs from now on.
        await page.goto(`${keyturn.url}/platform/integration`);
        await page.click('form[action="/platform/integration/webhook/secret/rotate"] button');
        const secret = (await page.textContent('main'))?.match(/whsec_[A-Za-z0-9+/=]+/)?.[0];
        await shot(page, 'integration-rotated');
        expect(secret).toBeDefined();
        expect(secret).not.toBe(fleet.webhook_secret);
        // From now on the receiver refuses (401) whatever the new secret did not sign.
        receiver.verifyWith(secret);
        const before = receiver.received.length;
        await page.goto(`${keyturn.url}/platform/integration`);
        await page.click('form[action="/platform/integration/webhook/test-event"] button');
        await settle();
        const verified = receiver.received.slice(before).map((delivery) => JSON.parse(delivery.body));
        expect(verified.some((body) => body.event.type === 'ping')).toBe(true);
      } finally {
        await browser.close();
      }
    },
    // A whole first day in a real browser: about 15 s on an idle machine, far more when CI shares it.
    120_000,
  );
});
