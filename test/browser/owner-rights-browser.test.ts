// The owner's rights pages in headless Chromium, English on a desktop and German on a phone: the dashboard,
// an access's history, asking the maker again after a rejection, the export's password confirmation and
// the account's deletion, each checked with axe-core (WCAG 2.1 A/AA) and kept as a full-page screenshot in
// the OS temp folder; the deletion is completed with the keyboard alone.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { accessibilityViolations, desktop, openBrowser, phone } from '../support/chromium.ts';
import { changeClearance } from '../support/clearance.ts';
import { newBrowser, passwordLinkFor } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import {
  clearanceStatus,
  drainUntil,
  grantClearance,
  type OemWorld,
  startKeyturnWithOem,
  startOemWorld,
} from '../support/relay.ts';

const screenshots = join(tmpdir(), `keyturn-owner-rights-${process.env.KEYTURN_TEST_DB ?? 'sqlite'}`);
const password = 'a long and secret passphrase';

describe('owner rights pages in Chromium', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    world = await startOemWorld();
    keyturn = await startKeyturnWithOem(world);
    app = await registerTestApp(keyturn);
  });
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
  });
  afterAll(async () => {
    await keyturn?.close();
    await world?.simulator.close();
  });

  /** An owner whose maker rejected the request, with a password set. */
  async function rejectedOwner(email: string, vin: string) {
    const granted = await grantClearance(keyturn, app, { email, vin });
    await drainUntil(
      keyturn,
      async () => (await clearanceStatus(keyturn, granted.clearance.id)) === 'pending_validation',
      'the maker is asked',
    );
    await changeClearance(keyturn, granted.clearance.grantId, 'owner_rejected');
    const http = newBrowser();
    await http.submit(await http.follow(await passwordLinkFor(keyturn.url, email)), { password });
    return granted;
  }

  async function checked(page: Page, name: string) {
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    expect(await accessibilityViolations(page), name).toEqual([]);
    const viewport = page.viewportSize();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      viewport?.width ?? 0,
    );
  }

  for (const [locale, viewport] of [
    ['en', desktop],
    ['de', phone],
  ] as const) {
    it(`${locale} at ${viewport.width} px › dashboard, history, asking again, export confirmation and deletion pass axe; deletion by keyboard alone`, async () => {
      const email = `rights.${locale}@example.com`;
      const vin = locale === 'en' ? 'WBA8E9G50GNT40001' : 'WBA8E9G50GNT40002';
      const granted = await rejectedOwner(email, vin);
      browser = await openBrowser(viewport);
      const { page } = browser;
      await page.setExtraHTTPHeaders({ 'accept-language': locale });
      const name = (page: string) => `${locale}-${viewport.width}-${page}`;

      await page.goto(`${keyturn.url}/account`);
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', password);
      await page.click('form button.primary[type=submit]');
      await page.waitForURL(/\/account$/);
      await checked(page, name('dashboard'));

      await page.goto(`${keyturn.url}/account/access/${granted.clearance.id}/history`);
      await checked(page, name('history'));

      await page.goto(`${keyturn.url}/account/access/${granted.clearance.id}/request-again`);
      await checked(page, name('request-again'));
      await page
        .getByRole('button', { name: message(locale, 'request_again:confirm', { brand: 'BMW' }) })
        .click();
      await page.waitForURL(/\/account\?requested=1$/);
      expect((await keyturn.repositories.clearances.find(granted.clearance.id))?.status).toBe('pending');

      await page.goto(`${keyturn.url}/account/export`);
      await page.waitForURL(/\/account\/export\/confirm$/);
      await checked(page, name('export-confirm'));

      await page.goto(`${keyturn.url}/account/delete`);
      await checked(page, name('delete'));
      // Keyboard only: from the password field, tab to the checkbox, tick it, tab to the button, press it.
      await page.focus('input[name=password]');
      await page.keyboard.type(password);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/account\/deleted$/);
      await checked(page, name('deleted'));
      expect(await page.textContent('main')).toContain(message(locale, 'account_deletion:deleted_heading'));
      expect(await keyturn.repositories.accounts.findByEmail(email)).toBeUndefined();
    }, 90_000);
  }
});
