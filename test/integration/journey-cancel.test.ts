// Leaving the consent journey from any step: "Cancel and return to the app" answers the app with
// `error=access_denied` and its `state`, as Deny does, grants nothing, and needs the form's CSRF token.

import type * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { formOf, type HttpBrowser, type Page, textOf } from '../support/http-browser.ts';
import { interactionBase, newBrowser, proveNewEmail, stepOf } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn, testRedirectUri } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { type AuthorizationRequest, authorizationRequest, discover } from '../support/relying-party.ts';

describe('consent journey › cancel', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let emails = 0;
  const nextEmail = () => `cancel${++emails}@example.com`;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
  });
  afterAll(() => keyturn?.close());

  /** A new owner's journey, walked up to `step`; `email` is set once the owner has proven it. */
  async function journeyAt(
    step: 'landing' | 'brand' | 'vin',
    locale: 'en' | 'de' = 'en',
  ): Promise<{ browser: HttpBrowser; page: Page; request: AuthorizationRequest; email: string }> {
    const browser = newBrowser(locale);
    const request = await authorizationRequest(config);
    const email = nextEmail();
    let page = await browser.follow(request.url);
    if (step !== 'landing') {
      page = await proveNewEmail(browser, await browser.follow(`${interactionBase(page)}/account`), {
        email,
      });
      if (step === 'vin') page = await browser.submit(page, { brand: 'bmw' });
    }
    expect(stepOf(page)).toBe(step);
    return { browser, page, request, email };
  }

  async function clearancesOf(email: string) {
    const account = await keyturn.repositories.accounts.findByEmail(email);
    return account ? keyturn.repositories.clearances.listForAccount(account.id) : [];
  }

  function expectAccessDenied(done: Page, request: AuthorizationRequest) {
    expect(done.url.startsWith(testRedirectUri)).toBe(true);
    const callback = new URL(done.url);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(keyturn.url);
    expect(callback.searchParams.has('code')).toBe(false);
  }

  for (const step of ['landing', 'brand', 'vin'] as const) {
    it(`POST /interaction/:uid/cancel › from the ${step} step returns to the app with error=access_denied and state, granting nothing`, async () => {
      const { browser, page, request, email } = await journeyAt(step);
      const done = await browser.submit(page, {}, '/cancel');
      expectAccessDenied(done, request);
      expect(await clearancesOf(email)).toEqual([]);
    });
  }

  it('GET /interaction/:uid/:step › Cancel is a button named by its visible label, in English and German', async () => {
    for (const locale of ['en', 'de'] as const) {
      for (const step of ['landing', 'brand', 'vin'] as const) {
        const { page } = await journeyAt(step, locale);
        const label = message(locale, 'journey:cancel');
        expect(page.html).toContain(`<button class="link" type="submit">${label}</button>`);
        expect(formOf(page, '/cancel').hidden.csrf).toBeTruthy();
      }
    }
  });

  it('GET /interaction/:uid/landing › links the password sign-in to the forgot-password page', async () => {
    const { page } = await journeyAt('landing', 'de');
    expect(page.html).toContain(
      `<a href="/account/password/forgot">${message('de', 'journey:landing.forgot_password')}</a>`,
    );
  });

  it('POST /interaction/:uid/cancel › refuses a form without the CSRF token with 403 and leaves the journey open', async () => {
    const { browser, page, request, email } = await journeyAt('brand');
    const { action } = formOf(page, '/cancel');
    const forged = await browser.request(action, { method: 'POST', form: {} });
    expect(forged.status).toBe(403);
    expect(textOf(forged.html)).toContain(message('en', 'errors:csrf_rejected'));
    expect(stepOf(await browser.follow(`${interactionBase(page)}/`))).toBe('brand');

    const done = await browser.submit(page, {}, '/cancel');
    expectAccessDenied(done, request);
    expect(await clearancesOf(email)).toEqual([]);
  });
});
