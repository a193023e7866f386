// Every page no other Chromium test walks, in headless Chromium: the demo app (home, a pending result, the
// denied page, its privacy and terms), the maker's portal before and after approving, the dev mailbox
// (all mails and filtered by `?to=`), the 404 page, an unknown interaction, Keyturn's legal pages, a
// refused sign-in, the forgot-password page and the journey's brand step for a country where no brand is
// offered. In English at 1280×800 and in German on a 390×844 phone, axe-core finds no WCAG 2.1 A/AA
// violation on any of them, no phone page scrolls sideways, and the Keyturn header lines up with the card
// below it. Screenshots of each page are kept in the OS temp folder.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, desktop, openBrowser, phone } from '../support/chromium.ts';
import { bmwVin, codeMailedTo, mailsTo, miniVin, passwordLinkFor } from '../support/journey.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';
import { message, type TestLocale } from '../support/locales.ts';

const screenshots = join(tmpdir(), `keyturn-pages-walk-${process.env.KEYTURN_TEST_DB ?? 'sqlite'}`);

/** The left and right edges of the first element matching `selector`, in CSS pixels. */
function edgesOf(page: Page, selector: string): Promise<{ left: number; right: number }> {
  return page
    .locator(selector)
    .first()
    .evaluate((element) => {
      const box = element.getBoundingClientRect();
      return { left: box.left, right: box.right };
    });
}

/**
 * Whether a select shows its chosen option whole: the text fits on one line, or the select wrapped it onto
 * as many lines as it needs (a native one-line select cuts it off).
 */
function chosenOptionFits(page: Page, selector: string): Promise<boolean> {
  return page
    .locator(selector)
    .first()
    .evaluate((select) => {
      // The page's own globals (the project's TypeScript has no DOM types).
      const window = globalThis as unknown as {
        getComputedStyle(element: unknown): Record<string, string>;
        document: {
          createElement(tag: 'canvas'): {
            getContext(kind: '2d'): { font: string; measureText(text: string): { width: number } };
          };
        };
      };
      const style = window.getComputedStyle(select);
      const px = (value: string | undefined) => Number.parseFloat(value ?? '') || 0;
      const canvas = window.document.createElement('canvas').getContext('2d');
      canvas.font = style.font ?? '';
      const { options, selectedIndex } = select as unknown as {
        options: { text: string }[];
        selectedIndex: number;
      };
      const chosen = options[selectedIndex];
      const textWidth = canvas.measureText(chosen?.text ?? '').width;
      // Room for the text beside the drop-down arrow (about one line's height wide).
      const lineHeight = px(style.lineHeight) || px(style.fontSize) * 1.2;
      const room = select.clientWidth - px(style.paddingLeft) - px(style.paddingRight) - lineHeight;
      const lines = Math.ceil(textWidth / room);
      const height = select.clientHeight - px(style.paddingTop) - px(style.paddingBottom);
      return lines <= 1 || height >= lines * lineHeight - 1;
    });
}

describe('the pages no other Chromium test walks', () => {
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    keyturn = await startKeyturn();
  });
  afterAll(() => keyturn?.close());

  it.each([
    ['en', 'desktop', desktop],
    ['de', 'phone', phone],
  ] as const)(
    'GET /demo, the portal, the mailbox, the error, legal and sign-in pages (%s, %s) › pass axe and fit the screen',
    async (locale: TestLocale, screen, viewport) => {
      const variant = `${locale}-${screen}`;
      const email = `pages.walk.${variant}@example.com`;
      const browser = await openBrowser(viewport);
      const { page } = browser;

      /** The page as it stands: a screenshot, no axe violation, and on the phone no sideways scrolling. */
      async function check(name: string): Promise<void> {
        await page.screenshot({ path: join(screenshots, `${variant}-${name}.png`), fullPage: true });
        expect(await page.getAttribute('html', 'lang'), name).toBe(locale);
        expect(await accessibilityViolations(page), name).toEqual([]);
        if (viewport === phone)
          expect(await page.evaluate('document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(
            phone.width,
          );
      }
      async function submit(url: RegExp): Promise<void> {
        await page.click('form button.primary[type=submit]');
        await page.waitForURL(url);
      }

      try {
        // The demo app: its own look, not Keyturn's.
        await page.goto(`${keyturn.url}/demo?lang=${locale}`);
        expect(await page.textContent('.demo-header')).toContain(message(locale, 'demo:app_name'));
        expect(await page.textContent('.demo-footer')).toContain(message(locale, 'demo:chrome.footer'));
        expect(await page.locator('link[href="/static/keyturn.css"], .site-header').count()).toBe(0);
        await check('demo-home');
        // The brand list is shown whole, inside the card, even on a phone.
        const card = await edgesOf(page, '.card');
        const brandSelect = await edgesOf(page, 'select#brand');
        expect(brandSelect.right).toBeLessThanOrEqual(card.right);
        expect(brandSelect.right).toBeLessThanOrEqual(viewport.width);
        expect(await chosenOptionFits(page, 'select#brand')).toBe(true);

        await page.goto(`${keyturn.url}/demo/privacy`);
        await check('demo-privacy');
        await page.goto(`${keyturn.url}/demo/terms`);
        await check('demo-terms');

        // The journey from the demo, no brand chosen, from the United States: no brand is offered there.
        await page.goto(`${keyturn.url}/demo`);
        await page.selectOption('select#locale', locale);
        await page.click('form button.primary[type=submit]');
        await page.waitForSelector('main[data-step=landing]');
        await page.click('a.button.primary[href$="/account"]');
        await page.waitForURL(/\/account$/);
        await page.fill('input[name=email]', email);
        await page.selectOption('select[name=country]', 'US');
        await page.check('input[name=accept_terms]');
        await submit(/\/verify$/);
        await page.fill('input[name=code]', await codeMailedTo(keyturn.url, email));
        await submit(/\/brand$/);
        expect(await page.textContent('#no-brand-in-country')).toContain(
          message(locale, 'journey:brand.none_in_country', {
            country: locale === 'en' ? 'United States' : 'Vereinigte Staaten',
          }),
        );
        await check('journey-brand-no-brand-in-country');

        // Germany instead: BMW, its VIN, Allow; back at the demo, pending.
        await page.selectOption('select#country', 'DE');
        await page.click('details.change-country button[type=submit]');
        await page.waitForURL(/\/brand$/);
        await page.check('input[name=brand][value=bmw]');
        await submit(/\/vin$/);
        await page.fill('input[name=vin]', bmwVin);
        await submit(/\/permissions$/);
        await page.click('button[name=decision][value=allow]');
        await page.waitForURL(/\/demo\/result$/);
        expect(await page.textContent('main')).toContain(message(locale, 'demo:result.pending_note'));
        // The granted data points by name; no protocol scope shows as a raw value.
        expect(await page.textContent('main')).toContain(message(locale, 'domain:dataPoints.mileage.label'));
        expect(await page.textContent('main')).not.toMatch(/offline_access|openid/);
        await check('demo-result-pending');

        // The dev mailbox, with the maker's mail in it, then only the owner's mails.
        await keyturn.worker.drain();
        await page.goto(`${keyturn.url}/dev/mailbox`);
        expect(await page.locator('article.mail').count()).toBeGreaterThan(1);
        await check('mailbox');
        await page.goto(`${keyturn.url}/dev/mailbox?to=${encodeURIComponent(email)}`);
        expect(await page.locator('article.mail').count()).toBeGreaterThan(0);
        await check('mailbox-filtered');
        await expectHeaderAlignedWithCard(page, 'mailbox');

        // The maker's portal: the request with Approve and Reject, then the vehicle events.
        const portal = (await mailsTo(keyturn.url, email))
          .flatMap((mail) => mail.links)
          .find((href) => href.includes('/portal/'));
        if (!portal) throw new Error(`no maker mail with a portal link for ${email}`);
        await page.goto(`${portal}${portal.includes('?') ? '&' : '?'}lang=${locale}`);
        expect(await page.locator('button[name=decision][value=reject]').count()).toBe(1);
        // BMW's portal wears its own monogram beside its name.
        expect(await page.textContent('.portal-header [data-maker-mark="bmw"]')).toBe('BMW');
        await check('portal-request');
        await page.click('button[name=decision][value=approve]');
        await page.waitForSelector('form.events button[name=event]');
        await check('portal-approved');

        // A second journey, denied: the demo's denied page.
        await page.goto(`${keyturn.url}/demo/connect?brand=mini&locale=${locale}`);
        await page.waitForSelector('main[data-step]');
        expect(await page.getAttribute('main', 'data-step')).toBe('vin');
        await page.fill('input[name=vin]', miniVin);
        await submit(/\/permissions$/);
        await page.click('button[name=decision][value=deny]');
        await page.waitForURL(/\/demo\/callback/);
        expect(await page.textContent('main')).toContain(message(locale, 'demo:denied.heading'));
        await check('demo-denied');

        // Keyturn's own pages.
        const notFound = await page.goto(`${keyturn.url}/no-such-page`);
        expect(notFound?.status()).toBe(404);
        await check('not-found');
        const unknownInteraction = await page.goto(`${keyturn.url}/interaction/does-not-exist`);
        expect(unknownInteraction?.status()).toBeGreaterThanOrEqual(400);
        await check('unknown-interaction');
        await page.goto(`${keyturn.url}/legal/privacy`);
        await check('legal-privacy');
        await page.goto(`${keyturn.url}/legal/terms`);
        await check('legal-terms');
        await page.goto(`${keyturn.url}/account/password/forgot`);
        await check('forgot-password');
        await page.goto(`${keyturn.url}/account/sign-in`);
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', 'not the password');
        await page.click('form button.primary[type=submit]');
        await page.waitForSelector('.alert[role=alert]');
        await check('sign-in-refused');
        await expectHeaderAlignedWithCard(page, 'sign-in');

        // The owner's dashboard: the header lines up with the wide card below it.
        const password = 'a long passphrase for the walk';
        await page.goto(await passwordLinkFor(keyturn.url, email));
        await page.fill('input[name=password]', password);
        await page.click('form button.primary[type=submit]');
        await page.waitForLoadState();
        await page.goto(`${keyturn.url}/account/sign-in`);
        if (page.url().endsWith('/account/sign-in')) {
          await page.fill('input[name=email]', email);
          await page.fill('input[name=password]', password);
          await page.click('form button.primary[type=submit]');
        }
        await page.waitForURL(/\/account$/);
        await page.screenshot({ path: join(screenshots, `${variant}-dashboard.png`), fullPage: true });
        await expectHeaderAlignedWithCard(page, 'dashboard');
      } finally {
        await browser.close();
      }
    },
    180_000,
  );
});

/** The header's name and language switch start and end where the first card does (within a pixel). */
async function expectHeaderAlignedWithCard(page: Page, where: string): Promise<void> {
  const card = await edgesOf(page, 'main .card');
  const name = await edgesOf(page, '.site-header .brand-mark');
  const languages = await edgesOf(page, '.site-header .languages');
  expect(Math.abs(name.left - card.left), `${where}: left edge`).toBeLessThanOrEqual(1);
  expect(Math.abs(languages.right - card.right), `${where}: right edge`).toBeLessThanOrEqual(1);
}
