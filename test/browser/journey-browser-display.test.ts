// The consent journey in headless Chromium as an owner sees it: in English on a 1280×800 screen and in
// German on a 390×844 phone, axe-core finds no WCAG 2.1 A/AA violation on any journey page (the refused
// sign-in, the "Continue as MINI" offer and "Continuing as … · Not you?" included), and on the phone the
// permissions page shows Allow and Deny without scrolling.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import {
  accessibilityViolations,
  desktop,
  expectToFitPhone,
  openBrowser,
  phone,
} from '../support/chromium.ts';
import { bmwVin, codeMailedTo, miniVin } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message, type TestLocale } from '../support/locales.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

/** The app's redirect URI: answers "ok" to every callback. */
async function startReceiver(): Promise<{ callbackUrl: string; close(): Promise<void> }> {
  const server: Server = createServer((_, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    callbackUrl: `http://127.0.0.1:${port}/callback`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const stepOf = (page: Page) => page.getAttribute('main', 'data-step');

/** Whether the element's whole box is inside the viewport as the page stands (no scrolling done). */
async function withinViewport(page: Page, selector: string): Promise<boolean> {
  return page
    .locator(selector)
    .first()
    .evaluate((element) => {
      const window = globalThis as unknown as { scrollY: number; innerHeight: number; innerWidth: number };
      const box = element.getBoundingClientRect();
      return (
        window.scrollY === 0 &&
        box.top >= 0 &&
        box.left >= 0 &&
        box.bottom <= window.innerHeight &&
        box.right <= window.innerWidth
      );
    });
}

describe('consent journey in headless Chromium › who asks for what', () => {
  let keyturn: RunningKeyturn;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let app: RegisteredApp;
  let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    receiver = await startReceiver();
    // Every data point: the longest permissions page an app can ask for.
    app = await registerTestApp(keyturn, {
      redirectUris: [receiver.callbackUrl],
      scopes: [
        'location',
        'mileage',
        'ignition',
        'battery_level',
        'lights',
        'doors_locks',
        'energy_level',
        'maintenance',
        'navigation_destination',
        'vehicle_moving',
      ],
    });
    const registered = await keyturn.repositories.apps.find(app.client_id);
    if (!registered) throw new Error('the test app was not stored');
    await keyturn.repositories.apps.replace({
      ...registered,
      privacyUrl: 'https://service-x.example/privacy',
      termsUrl: 'https://service-x.example/terms',
    });
  });
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
  });
  afterAll(async () => {
    await receiver?.close();
    await keyturn?.close();
  });

  async function start(page: Page, locale: TestLocale, firstStep = 'landing'): Promise<void> {
    const config = await discover(keyturn.url, app);
    const request = await authorizationRequest(config, {
      redirect_uri: receiver.callbackUrl,
      scope: registeredScopes,
      locale,
    });
    await page.goto(request.url);
    expect(await stepOf(page)).toBe(firstStep);
  }
  const registeredScopes =
    'location mileage ignition battery_level lights doors_locks energy_level maintenance navigation_destination vehicle_moving';

  async function expectAccessible(page: Page, where: string): Promise<void> {
    expect(await accessibilityViolations(page), where).toEqual([]);
  }

  async function submit(page: Page, url: RegExp): Promise<void> {
    await page.click('form button.primary[type=submit]');
    await page.waitForURL(url);
  }

  /** From the landing page through account, code, brand and VIN: every page checked by axe on the way. */
  async function walkToPermissions(page: Page, locale: TestLocale, email: string, vinFirst?: string) {
    await expectAccessible(page, `${locale} landing`);
    await page.click('a.button.primary[href$="/account"]');
    await page.waitForURL(/\/account$/);
    await expectAccessible(page, `${locale} account`);
    await page.fill('input[name=email]', email);
    await page.selectOption('select[name=country]', 'DE');
    await page.check('input[name=accept_terms]');
    await submit(page, /\/verify$/);
    await expectAccessible(page, `${locale} verify`);
    await page.fill('input[name=code]', await codeMailedTo(keyturn.url, email));
    await submit(page, /\/brand$/);
    await expectAccessible(page, `${locale} brand`);
    await page.check('input[name=brand][value=bmw]');
    await submit(page, /\/vin$/);
    await expectAccessible(page, `${locale} vin`);
    if (vinFirst) {
      // A MINI's VIN under BMW: the page offers to continue as MINI, keeping the VIN.
      await page.fill('input[name=vin]', vinFirst);
      await submit(page, /\/vin$/);
      await expectAccessible(page, `${locale} vin offering another brand`);
      await page.click('button[name=switch_brand][value=mini]');
    } else {
      await page.fill('input[name=vin]', bmwVin);
      await page.click('form button.primary[type=submit]');
    }
    await page.waitForURL(/\/permissions$/);
    await expectAccessible(page, `${locale} permissions`);
  }

  it('GET /auth › in English at 1280×800 every journey page passes axe and names the app with its links', async () => {
    browser = await openBrowser(desktop);
    const { page } = browser;
    await start(page, 'en');
    expect(await page.textContent('.requester-card')).toContain('Service X');
    expect(await page.getAttribute('.requester-links a >> nth=0', 'href')).toBe(
      'https://service-x.example/privacy',
    );
    await walkToPermissions(page, 'en', 'wide.owner@example.com');
    expect(await page.textContent('.requester-lifetime')).toContain(
      message('en', 'journey:requester.access_lasts_other', { count: '365' }),
    );
    await page.click('button[name=decision][value=allow]');
    await page.waitForURL((url) => url.href.startsWith(receiver.callbackUrl));
  }, 60_000);

  it('POST /interaction/:uid › on a 390×844 phone in German a refused sign-in shows at the top of the landing', async () => {
    browser = await openBrowser(phone);
    const { page } = browser;
    await start(page, 'de');
    await page.fill('input[name=email]', 'niemand@example.com');
    await page.fill('input[name=password]', 'falsch');
    await page.click('form button.secondary[type=submit]');
    await page.waitForSelector('#error-summary');
    expect(await withinViewport(page, '#error-summary')).toBe(true);
    expect(await page.textContent('#error-summary')).toContain(
      message('de', 'journey:errors.sign_in_failed'),
    );
    await expectAccessible(page, 'de landing with a refused sign-in');
  }, 60_000);

  // Two journeys in one browser, each page checked by axe: longer than the default test timeout.
  it('GET /auth › in German on a 390×844 phone every page passes axe, Allow and Deny need no scrolling, and a known owner may say "Not you?"', async () => {
    browser = await openBrowser(phone);
    const { page } = browser;
    await start(page, 'de');
    await walkToPermissions(page, 'de', 'handy.besitzer@example.de', miniVin);
    expect(await page.textContent('dl.facts')).toContain('MINI');
    expect(await withinViewport(page, 'button[name=decision][value=allow]')).toBe(true);
    expect(await withinViewport(page, 'button[name=decision][value=deny]')).toBe(true);
    expect(await page.textContent('.sensitive-summary')).toContain(
      message('de', 'journey:permissions.sensitive'),
    );
    await expectToFitPhone(page, 'permissions-display-de');

    await page.click('button[name=decision][value=allow]');
    await page.waitForURL((url) => url.href.startsWith(receiver.callbackUrl));

    // A second journey in the same browser: the owner is known and may say "Not you?".
    await start(page, 'de', 'brand');
    expect(await page.textContent('.continuing-as')).toContain('h…@example.de');
    await expectAccessible(page, 'de brand continuing as a known owner');
    await page.getByRole('button', { name: message('de', 'journey:not_you'), exact: true }).click();
    await page.waitForURL(/\/landing$/);
    expect(await stepOf(page)).toBe('landing');
  }, 90_000);
});
