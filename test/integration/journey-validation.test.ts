// The consent journey's refusals over real HTTP: every bad input gets a localized message and leaves the
// journey where it was; steps cannot be skipped; forms need their CSRF token; the language follows the
// owner's choice; sign-in and account creation do not reveal which addresses have accounts.

import type * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import type { HttpBrowser, Page } from '../support/http-browser.ts';
import { textOf } from '../support/http-browser.ts';
import {
  bmwVin,
  codeMailedTo,
  interactionBase,
  mailsTo,
  miniVin,
  newBrowser,
  proveNewEmail,
  stepOf,
  walkAsNewOwner,
} from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

describe('consent journey › validation', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let emails = 0;
  const nextEmail = () => `owner${++emails}@example.com`;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
  });
  afterAll(() => keyturn?.close());

  async function landing(browser: HttpBrowser, parameters: Record<string, string> = {}) {
    const request = await authorizationRequest(config, parameters);
    const page = await browser.follow(request.url);
    expect(stepOf(page)).toBe('landing');
    return { page, request };
  }

  async function accountStep(browser: HttpBrowser, parameters: Record<string, string> = {}) {
    const { page } = await landing(browser, parameters);
    const account = await browser.follow(`${interactionBase(page)}/account`);
    expect(stepOf(account)).toBe('account');
    return account;
  }

  async function brandStep(browser: HttpBrowser, country = 'DE', email = nextEmail()) {
    const account = await accountStep(browser);
    const page = await proveNewEmail(browser, account, { email, country });
    expect(stepOf(page)).toBe('brand');
    return page;
  }

  async function vinStep(browser: HttpBrowser) {
    const page = await browser.submit(await brandStep(browser), { brand: 'bmw' });
    expect(stepOf(page)).toBe('vin');
    return page;
  }

  /** Where the journey stands now: the step its entry URL shows. */
  async function openStep(browser: HttpBrowser, page: Page) {
    return stepOf(await browser.follow(`${interactionBase(page)}/`));
  }

  function csrfOf(page: Page): string {
    const token = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${page.url}`);
    return token;
  }

  describe('POST /interaction/:uid/vin', () => {
    let browser: HttpBrowser;
    let page: Page;

    beforeAll(async () => {
      browser = newBrowser();
      page = await vinStep(browser);
    });

    it.each([
      ['too short', 'WBA8E9G50GNT1234', 'length'],
      ['18 characters long', 'WBA8E9G50GNT123456', 'length'],
      ['with the letter I', 'WBA8E9G50GNT1234I', 'forbidden_letters'],
      ['with the letter O', 'WBAOE9G50GNT12345', 'forbidden_letters'],
      ['with the letter Q', 'WBA8E9G50GNTQ2345', 'forbidden_letters'],
      ['with punctuation', 'WBA8E9G50GNT1234!', 'characters'],
      ['empty', '', 'missing'],
    ])(
      'POST /interaction/:uid/vin › refuses a VIN %s with 400 and its message, and stays on the VIN step',
      async (_, vin, problem) => {
        const refused = await browser.submit(page, { vin });
        expect(refused.status).toBe(400);
        expect(stepOf(refused)).toBe('vin');
        expect(textOf(refused.html)).toContain(message('en', `domain:vinProblems.${problem}`));
        expect(await openStep(browser, page)).toBe('vin');
      },
    );

    it('POST /interaction/:uid/vin › starts the title of a page re-shown with an error with "Error: "', async () => {
      const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
      expect(titleOf(page.html)).toBe(`${message('en', 'journey:vin.title')} · Keyturn`);
      const refused = await browser.submit(page, { vin: 'WBA8E9G50GNT1234' });
      expect(titleOf(refused.html)).toBe(
        `${message('en', 'journey:error_title_prefix')}${message('en', 'journey:vin.title')} · Keyturn`,
      );
    });

    it('POST /interaction/:uid/vin › refuses a MINI VIN when BMW was chosen with the wrong-brand message', async () => {
      const refused = await browser.submit(page, { vin: miniVin });
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain(
        message('en', 'domain:vinProblems.wrong_brand', { brand: 'BMW' }),
      );
      expect(await openStep(browser, page)).toBe('vin');
    });

    it('POST /interaction/:uid/vin › accepts a lowercase VIN with spaces and shows it normalized', async () => {
      const own = newBrowser();
      const accepted = await own.submit(await vinStep(own), { vin: ' wba8e9g50 gnt 12345 ' });
      expect(stepOf(accepted)).toBe('permissions');
      expect(textOf(accepted.html)).toContain(bmwVin);
    });
  });

  describe('POST /interaction/:uid/account', () => {
    it('POST /interaction/:uid/account › refuses a missing accept_terms with 400 and its message, creating no account', async () => {
      const browser = newBrowser();
      const email = nextEmail();
      const refused = await browser.submit(await accountStep(browser), { email, country: 'DE' });
      expect(refused.status).toBe(400);
      expect(stepOf(refused)).toBe('account');
      expect(textOf(refused.html)).toContain(message('en', 'journey:errors.terms_required'));
      expect(await keyturn.repositories.accounts.findByEmail(email)).toBeUndefined();
      expect(await openStep(browser, refused)).toBe('landing');
    });

    it('POST /interaction/:uid/account › keeps the chosen country selected on the refused form, in the page’s language', async () => {
      const browser = newBrowser();
      browser.acceptLanguage = 'de';
      const refused = await browser.submit(await accountStep(browser), {
        email: 'not-an-email',
        country: 'at',
      });
      expect(refused.status).toBe(400);
      const selected = [...refused.html.matchAll(/<option value="([A-Z]*)"[^>]*\bselected\b[^>]*>([^<]*)</g)];
      expect(selected.map((match) => [match[1], match[2]])).toEqual([['AT', 'Österreich']]);
      expect(refused.html.match(/<option value="[A-Z]{2}"/g)).toHaveLength(249);
      const fresh = await accountStep(newBrowser());
      expect([...fresh.html.matchAll(/<option value="([A-Z]*)"[^>]*\bselected\b/g)].map((m) => m[1])).toEqual(
        [''],
      );
    });

    it('POST /interaction/:uid/account › refuses an invalid email and an invalid country with both messages', async () => {
      const browser = newBrowser();
      const refused = await browser.submit(await accountStep(browser), {
        email: 'not-an-email',
        country: 'XX',
        accept_terms: 'yes',
      });
      expect(refused.status).toBe(400);
      const text = textOf(refused.html);
      expect(text).toContain(message('en', 'journey:errors.email_invalid'));
      expect(text).toContain(message('en', 'journey:errors.country_invalid'));
      expect(text).not.toContain(message('en', 'journey:errors.terms_required'));
      expect(await keyturn.repositories.accounts.findByEmail('not-an-email')).toBeUndefined();
    });

    it('POST /interaction/:uid/account › refuses a tampered CSRF token with a localized 403 page and changes nothing', async () => {
      const browser = newBrowser('de-DE');
      const account = await accountStep(browser);
      const email = nextEmail();
      const refused = await browser.request(account.url, {
        method: 'POST',
        form: { csrf: `${csrfOf(account)}x`, email, country: 'DE', accept_terms: 'yes' },
      });
      expect(refused.status).toBe(403);
      expect(textOf(refused.html)).toContain(message('de', 'errors:csrf_rejected'));
      expect(await keyturn.repositories.accounts.findByEmail(email)).toBeUndefined();
      expect(await openStep(browser, account)).toBe('landing');
    });

    it('POST /interaction/:uid/account › shows an already registered email exactly the page a new email gets, and after the code mails it to sign in', async () => {
      const existing = nextEmail();
      const { account } = await keyturn.repositories.accounts.findOrCreate({
        email: existing,
        country: 'DE',
        locale: 'en',
      });
      const newEmail = nextEmail();
      const other = newBrowser();
      const forNew = await other.submit(await accountStep(other), {
        email: newEmail,
        country: 'DE',
        accept_terms: 'yes',
      });
      const browser = newBrowser();
      const accountPage = await accountStep(browser);
      const forExisting = await browser.submit(accountPage, {
        email: existing,
        country: 'DE',
        accept_terms: 'yes',
      });
      expect(stepOf(forExisting)).toBe('verify');
      expect(forExisting.status).toBe(forNew.status);
      expect(textOf(forExisting.html).replace(existing, 'ADDRESS')).toBe(
        textOf(forNew.html).replace(newEmail, 'ADDRESS'),
      );
      const codeMails = async (email: string) =>
        (await mailsTo(keyturn.url, email)).map((m) => m.subject.replace(/^\d{6}/, 'CODE'));
      expect(await codeMails(existing)).toEqual(await codeMails(newEmail));

      let page = await browser.submit(forExisting, { code: await codeMailedTo(keyturn.url, existing) });
      page = await browser.submit(page, { brand: 'bmw' });
      page = await browser.submit(page, { vin: bmwVin });
      const done = await browser.submit(page, { decision: 'allow' });
      expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
      expect((await keyturn.repositories.accounts.findByEmail(existing))?.id).toBe(account.id);

      await keyturn.worker.drain();
      // The maker's own mail to the owner may be there too; Keyturn's mail is the one that matters here.
      const subjects = (await mailsTo(keyturn.url, existing)).map((m) => m.subject);
      expect(subjects).toContain(message('en', 'mail:existing_account.subject', { app: 'Service X' }));
      expect(subjects).not.toContain(message('en', 'mail:set_password.subject', { brand: 'BMW' }));
      const mail = (await mailsTo(keyturn.url, existing)).find(
        (m) => m.subject === message('en', 'mail:existing_account.subject', { app: 'Service X' }),
      );
      expect(mail?.text).toContain('Keyturn has sent this request to BMW');
    });
  });

  describe('POST /interaction/:uid/brand', () => {
    it('GET /interaction/:uid/brand › shows BMW disabled with the reason to an owner in the US; POST brand=bmw → 400, nothing saved', async () => {
      const browser = newBrowser();
      const page = await brandStep(browser, 'US');
      expect(page.html).toMatch(/<input[^>]*id="brand-bmw"[^>]*disabled/);
      expect(textOf(page.html)).toContain(
        message('en', 'journey:brand.unavailable_in_country', { country: 'United States' }),
      );
      const refused = await browser.submit(page, { brand: 'bmw' });
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain(
        message('en', 'journey:errors.brand_unavailable', { country: 'United States' }),
      );
      expect(await openStep(browser, page)).toBe('brand');
    });

    it('GET /interaction/:uid/brand › offers an owner in the US no Continue, but the change-country form and Cancel', async () => {
      const browser = newBrowser();
      const page = await brandStep(browser, 'US');
      expect(page.html).not.toMatch(/<button class="primary" type="submit">/);
      expect(page.html).toMatch(/<form[^>]*action="[^"]*\/brand\/country"/);
      expect(page.html).toMatch(/<form class="cancel"/);
      expect(textOf(page.html)).toContain(
        message('en', 'journey:brand.none_in_country', { country: 'United States' }),
      );
    });

    it('POST /interaction/:uid/brand/country › changing to Germany makes BMW selectable and the journey completes', async () => {
      const browser = newBrowser();
      const us = await brandStep(browser, 'US');
      let page = await browser.submit(us, { country: 'DE' }, '/brand/country');
      expect(stepOf(page)).toBe('brand');
      expect(page.html).not.toMatch(/<input[^>]*id="brand-bmw"[^>]*disabled/);
      expect(textOf(page.html)).toContain(
        message('en', 'journey:brand.your_country', { country: 'Germany' }),
      );
      page = await browser.submit(page, { brand: 'bmw' });
      expect(stepOf(page)).toBe('vin');
      page = await browser.submit(page, { vin: bmwVin });
      expect(stepOf(page)).toBe('permissions');
      const done = await browser.submit(page, { decision: 'allow' });
      expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
    });

    it('POST /interaction/:uid/brand/country › refuses an unknown country with 400 and keeps the country', async () => {
      const browser = newBrowser();
      const us = await brandStep(browser, 'US');
      const refused = await browser.submit(us, { country: 'XX' }, '/brand/country');
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain(message('en', 'journey:errors.country_invalid'));
      const again = await browser.follow(`${interactionBase(us)}/brand`);
      expect(again.html).toMatch(/<input[^>]*id="brand-bmw"[^>]*disabled/);
    });

    it('POST /interaction/:uid/brand/country › refuses a forged change without a CSRF token with 403 and changes nothing', async () => {
      const browser = newBrowser();
      const us = await brandStep(browser, 'US');
      const refused = await browser.request(`${interactionBase(us)}/brand/country`, {
        method: 'POST',
        form: { country: 'DE' },
      });
      expect(refused.status).toBe(403);
      const again = await browser.follow(`${interactionBase(us)}/brand`);
      expect(stepOf(again)).toBe('brand');
      expect(again.html).toMatch(/<input[^>]*id="brand-bmw"[^>]*disabled/);
    });

    it('GET /auth › brand=bmw skips the brand step', async () => {
      const browser = newBrowser();
      const account = await accountStep(browser, { brand: 'bmw' });
      const next = await proveNewEmail(browser, account, { email: nextEmail() });
      expect(stepOf(next)).toBe('vin');
      expect(textOf(next.html)).toContain(message('en', 'journey:vin.heading', { brand: 'BMW' }));
    });
  });

  describe('step order and expiry', () => {
    it('GET /interaction/:uid › the authorization server’s one redirect leads to the landing page itself', async () => {
      const browser = newBrowser();
      const request = await authorizationRequest(config);
      const authorization = await browser.request(request.url);
      expect(authorization.status).toBe(303);
      const entry = new URL(authorization.headers.get('location') ?? '', request.url);
      expect(entry.pathname).toMatch(/^\/interaction\/[^/]+$/);
      const page = await browser.request(entry.href);
      expect(page.status).toBe(200);
      expect(stepOf(page)).toBe('landing');
      expect(textOf(page.html)).toContain(message('en', 'journey:landing.new_owner'));
    });

    it('GET /interaction/:uid/permissions › redirects (303) to the landing step right after landing', async () => {
      const browser = newBrowser();
      const { page } = await landing(browser);
      const skipped = await browser.request(`${interactionBase(page)}/permissions`);
      expect(skipped.status).toBe(303);
      expect(skipped.headers.get('location')).toMatch(/\/interaction\/[^/]+\/landing$/);
    });

    it('POST /interaction/:uid/vin › refuses a VIN before a brand was chosen with a 409 page', async () => {
      const browser = newBrowser();
      const page = await brandStep(browser);
      const refused = await browser.request(`${interactionBase(page)}/vin`, {
        method: 'POST',
        form: { csrf: csrfOf(page), vin: bmwVin },
      });
      expect(refused.status).toBe(409);
      expect(textOf(refused.html)).toContain(message('en', 'errors:step_not_available'));
      expect(await openStep(browser, page)).toBe('brand');
    });

    it('GET /interaction/:uid/landing › shows the localized "link expired" page (410) for an unknown interaction', async () => {
      const page = await newBrowser().request(`${keyturn.url}/interaction/doesnotexist/landing`);
      expect(page.status).toBe(410);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(textOf(page.html)).toContain(message('en', 'errors:interaction_expired'));
    });

    it('GET /interaction/:uid/landing › shows the "link expired" page in German to a German browser', async () => {
      const page = await newBrowser('de-DE').request(`${keyturn.url}/interaction/doesnotexist/landing`);
      expect(page.status).toBe(410);
      expect(textOf(page.html)).toContain(message('de', 'errors:interaction_expired'));
    });
  });

  describe('language', () => {
    it('GET /interaction/:uid/account?lang=de › switches the step to German in place, and the next steps stay German', async () => {
      const browser = newBrowser('en');
      const account = await accountStep(browser);
      expect(account.html).toContain('lang="en"');
      const german = await browser.follow(`${account.url}?lang=de`);
      expect(stepOf(german)).toBe('account');
      expect(german.html).toContain('<html lang="de">');
      expect(textOf(german.html)).toContain(message('de', 'journey:account.heading'));
      const verify = await browser.submit(german, { email: nextEmail(), country: 'DE', accept_terms: 'yes' });
      expect(stepOf(verify)).toBe('verify');
      expect(textOf(verify.html)).toContain(message('de', 'journey:verify.heading'));
      const brand = await proveNewEmail(browser, german, { email: nextEmail() });
      expect(stepOf(brand)).toBe('brand');
      expect(brand.html).toContain('<html lang="de">');
      expect(textOf(brand.html)).toContain(message('de', 'journey:brand.heading'));
    });

    it('GET /interaction/:uid/landing › speaks German to Accept-Language: de-DE', async () => {
      const { page } = await landing(newBrowser('de-DE,de;q=0.9,en;q=0.5'));
      expect(page.html).toContain('<html lang="de">');
      expect(textOf(page.html)).toContain(message('de', 'journey:landing.new_owner'));
    });
  });

  describe('POST /interaction/:uid/landing', () => {
    it('POST /interaction/:uid/landing › answers a wrong password and an unknown email with the same sign_in_failed page', async () => {
      const email = nextEmail();
      const { account } = await keyturn.repositories.accounts.findOrCreate({
        email,
        country: 'DE',
        locale: 'en',
      });
      await keyturn.repositories.accounts.setPassword(
        account.id,
        await keyturn.passwords.hash('the right password'),
      );

      const wrongPasswordBrowser = newBrowser();
      const first = await landing(wrongPasswordBrowser);
      const wrongPassword = await wrongPasswordBrowser.submit(first.page, {
        email,
        password: 'a wrong password',
      });
      const unknownBrowser = newBrowser();
      const second = await landing(unknownBrowser);
      const unknownEmail = await unknownBrowser.submit(second.page, {
        email: 'nobody@example.com',
        password: 'a wrong password',
      });

      expect(wrongPassword.status).toBe(400);
      expect(unknownEmail.status).toBe(400);
      expect(textOf(wrongPassword.html)).toContain(message('en', 'journey:errors.sign_in_failed'));
      expect(textOf(unknownEmail.html)).toBe(textOf(wrongPassword.html));
      expect(await openStep(wrongPasswordBrowser, first.page)).toBe('landing');
    });
  });

  describe('POST /interaction/:uid/permissions', () => {
    it('POST /interaction/:uid/permissions › decision=deny returns to the app with error=access_denied, state and iss', async () => {
      const request = await authorizationRequest(config);
      const done = await walkAsNewOwner(newBrowser(), request.url, { email: nextEmail(), decision: 'deny' });
      const callback = new URL(done.url);
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('state')).toBe(request.state);
      expect(callback.searchParams.get('iss')).toBe(keyturn.url);
      expect(callback.searchParams.has('code')).toBe(false);
    });
  });

  describe('security headers', () => {
    it('GET /interaction/:uid/landing › sends no-store, a CSP with frame-ancestors none, X-Frame-Options DENY and no referrer', async () => {
      const { page } = await landing(newBrowser());
      expect(page.headers.get('cache-control')).toBe('no-store');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    });
  });
});
