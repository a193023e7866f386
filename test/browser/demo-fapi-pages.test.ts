// The FAPI 2.0 demo app's pages in headless Chromium: its home and its status page after a journey, in
// English at 1280×800 and in German on a 390×844 phone, pass axe-core's WCAG 2.1 A/AA rules, carry the
// variant's own name in the demo's page frame, and do not scroll sideways on the phone (the request_uri
// and the thumbprint wrap).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, desktop, openBrowser, phone } from '../support/chromium.ts';
import { newBrowser, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';
import { message, type TestLocale } from '../support/locales.ts';

describe('the FAPI 2.0 demo app’s pages', () => {
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    keyturn = await startKeyturn();
  });
  afterAll(() => keyturn?.close());

  it.each([
    ['en', desktop],
    ['de', phone],
  ] as const)(
    'GET /demo-fapi and /demo-fapi/result (%s) › pass axe and fit the screen',
    async (locale: TestLocale, viewport) => {
      // The journey over HTTP; Chromium then shows the status page with the same session cookie.
      const http = newBrowser(locale);
      const connect = await http.request(`${keyturn.url}/demo-fapi/connect?brand=bmw&locale=${locale}`);
      const result = await walkAsNewOwner(http, new URL(connect.headers.get('location') ?? '').href, {
        email: `fapi.demo.pages.${locale}@example.com`,
      });
      expect(new URL(result.url).pathname).toBe('/demo-fapi/result');

      const chromium = await openBrowser(viewport);
      try {
        const { page, context } = chromium;
        const check = async (name: string) => {
          expect(await page.getAttribute('html', 'lang'), name).toBe(locale);
          expect(await page.textContent('.demo-header'), name).toContain(
            message(locale, 'demo_fapi:app_name'),
          );
          expect(await accessibilityViolations(page), name).toEqual([]);
          expect(await page.evaluate('document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(
            viewport.width,
          );
        };
        await page.goto(`${keyturn.url}/demo-fapi?lang=${locale}`);
        await check('home');

        const cookies = http
          .cookiesFor(`${keyturn.url}/demo-fapi/result`)
          .split('; ')
          .filter(Boolean)
          .map((pair) => {
            const [name = '', ...value] = pair.split('=');
            return { name, value: value.join('='), url: keyturn.url };
          });
        await context.addCookies(cookies);
        await page.goto(`${keyturn.url}/demo-fapi/result`);
        expect(await page.textContent('main')).toContain(message(locale, 'demo_fapi:profile.heading'));
        await check('result');
      } finally {
        await chromium.close();
      }
    },
  );
});
