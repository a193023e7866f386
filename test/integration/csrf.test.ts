// Every form Keyturn serves refuses a POST that does not prove it comes from Keyturn's own page in the same
// browser (OWASP CSRF Prevention Cheat Sheet, synchronizer token pattern): with no `csrf` field, without the
// CSRF cookie, or with another browser's token it answers 403 with the localized page and changes nothing.
// The same form with its own token does change what the refusals left alone, so each row's check of "what
// the form changes" is shown to see a change. One row per form: a new form, or a new journey step, is a row.
import type * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { steps } from '../../src/journey/steps.ts';
import { ownerMailJob } from '../../src/mail/owner-mail.ts';
import { hashSecret, randomToken } from '../../src/security/secrets.ts';
import { formOf, type HttpBrowser, type Page, textOf } from '../support/http-browser.ts';
import {
  bmwVin,
  codeMailedTo,
  interactionBase,
  newBrowser,
  stepOf,
  walkAsNewOwner,
} from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

const passphrase = 'a long and secret passphrase';
/** The CSRF cookie and its signature. */
const csrfCookies = ['keyturn.csrf', 'keyturn.csrf.sig'];

/** A form as its user has it in front of them. */
interface OpenForm {
  browser: HttpBrowser;
  page: Page;
  /** Which form on the page (part of its action), when there is more than one. */
  actionPart?: string;
  /** What the user fills in: enough for the form to do its work. */
  fields: Record<string, string>;
  /** What the form would change, read back from the database or the pages that show it. */
  state(): Promise<unknown>;
}

describe('CSRF protection of every form', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let passwordHash: string;
  let owners = 0;
  const nextEmail = () => `csrf${++owners}@example.com`;

  beforeAll(async () => {
    keyturn = await startKeyturn({ SIGN_IN_ATTEMPTS_PER_ADDRESS: '1000' });
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
    // One hash for every owner of this file: hashing at the configured cost takes a while.
    passwordHash = await keyturn.passwords.hash(passphrase);
  });
  afterAll(() => keyturn?.close());

  async function ownerWithPassword(email = nextEmail()): Promise<{ email: string; accountId: string }> {
    const { account } = await keyturn.repositories.accounts.findOrCreate({
      email,
      country: 'DE',
      locale: 'en',
    });
    await keyturn.repositories.accounts.setPassword(account.id, passwordHash);
    return { email, accountId: account.id };
  }

  async function signedIn(email: string): Promise<{ browser: HttpBrowser; page: Page }> {
    const browser = newBrowser();
    const page = await browser.submit(await browser.follow(`${keyturn.url}/account/sign-in`), {
      email,
      password: passphrase,
    });
    expect(page.url).toBe(`${keyturn.url}/account`);
    return { browser, page };
  }

  /** How GET /account answers this browser: 200 signed in, 302 to the sign-in page otherwise. */
  const dashboardStatus = async (browser: HttpBrowser) =>
    (await browser.request(`${keyturn.url}/account`)).status;

  /**
   * The journey's forms after the landing page, in step order, with what a new owner fills in. Walking to a
   * step submits the ones before it.
   */
  const journeySteps: Array<{
    step: string;
    fields: (email: string) => Record<string, string> | Promise<Record<string, string>>;
  }> = [
    { step: 'account', fields: (email) => ({ email, country: 'DE', accept_terms: 'yes' }) },
    { step: 'verify', fields: async (email) => ({ code: await codeMailedTo(keyturn.url, email) }) },
    { step: 'brand', fields: () => ({ brand: 'bmw' }) },
    { step: 'vin', fields: () => ({ vin: bmwVin }) },
    { step: 'permissions', fields: () => ({ decision: 'allow' }) },
  ];

  /** Where a journey stands: the step its entry URL shows, whether the owner's account exists, consents. */
  async function journeyState(browser: HttpBrowser, page: Page, email: string) {
    const account = await keyturn.repositories.accounts.findByEmail(email);
    return {
      openStep: stepOf(await browser.follow(`${interactionBase(page)}/`)) ?? 'none',
      account: account !== undefined,
      consents: account ? (await keyturn.relay.clearances.listForAccount(account.id)).length : 0,
    };
  }

  /** A new owner's journey, walked up to `step`'s form. */
  async function journeyAt(step: string): Promise<OpenForm> {
    const browser = newBrowser();
    const email = nextEmail();
    const landing = await browser.follow((await authorizationRequest(config)).url);
    let page = await browser.follow(`${interactionBase(landing)}/account`);
    for (const next of journeySteps) {
      if (stepOf(page) === step) break;
      expect(stepOf(page)).toBe(next.step);
      page = await browser.submit(page, await next.fields(email));
    }
    expect(stepOf(page)).toBe(step);
    const fields = (await journeySteps.find((s) => s.step === step)?.fields(email)) ?? {};
    return { browser, page, fields, state: () => journeyState(browser, page, email) };
  }

  const forms: Array<{ route: string; open(): Promise<OpenForm> }> = [
    {
      route: 'POST /interaction/:uid/landing',
      async open() {
        const { email } = await ownerWithPassword();
        const browser = newBrowser();
        const page = await browser.follow((await authorizationRequest(config)).url);
        expect(stepOf(page)).toBe('landing');
        return {
          browser,
          page,
          fields: { email, password: passphrase },
          state: () => journeyState(browser, page, email),
        };
      },
    },
    ...journeySteps.map(({ step }) => ({
      route: `POST /interaction/:uid/${step}`,
      open: () => journeyAt(step),
    })),
    {
      route: 'POST /account/sign-in',
      async open() {
        const { email } = await ownerWithPassword();
        const browser = newBrowser();
        const page = await browser.follow(`${keyturn.url}/account/sign-in`);
        return {
          browser,
          page,
          fields: { email, password: passphrase },
          state: () => dashboardStatus(browser),
        };
      },
    },
    {
      route: 'POST /account/sign-out',
      async open() {
        const { browser, page } = await signedIn((await ownerWithPassword()).email);
        return {
          browser,
          page,
          actionPart: '/account/sign-out',
          fields: {},
          state: () => dashboardStatus(browser),
        };
      },
    },
    {
      route: 'POST /account/access/:clearanceId/revoke',
      async open() {
        const email = nextEmail();
        await walkAsNewOwner(newBrowser(), (await authorizationRequest(config)).url, { email });
        const { accountId } = await ownerWithPassword(email);
        const [clearance] = await keyturn.relay.clearances.listForAccount(accountId);
        if (!clearance) throw new Error('the journey made no clearance');
        const { browser } = await signedIn(email);
        // The form that revokes is on the confirmation page the dashboard links to.
        const page = await browser.follow(`${keyturn.url}/account/access/${clearance.id}/revoke`);
        return {
          browser,
          page,
          actionPart: `/account/access/${clearance.id}/revoke`,
          fields: {},
          state: async () => (await keyturn.relay.clearances.find(clearance.id))?.status,
        };
      },
    },
    {
      route: 'POST /account/password',
      async open() {
        const email = nextEmail();
        const { account } = await keyturn.repositories.accounts.findOrCreate({
          email,
          country: 'DE',
          locale: 'en',
        });
        const token = randomToken(32);
        await keyturn.repositories.accounts.createPasswordLink(
          account.id,
          hashSecret(token),
          Date.now() + 3_600_000,
        );
        const browser = newBrowser();
        const page = await browser.follow(`${keyturn.url}/account/password?token=${token}`);
        expect(page.status).toBe(200);
        return {
          browser,
          page,
          fields: { password: passphrase },
          state: async () => (await keyturn.repositories.accounts.findByEmail(email))?.hasPassword,
        };
      },
    },
    {
      route: 'POST /account/password/forgot',
      async open() {
        const { email } = await ownerWithPassword();
        const browser = newBrowser();
        const page = await browser.follow(`${keyturn.url}/account/password/forgot`);
        // Mails wait in the outbox (no worker runs here), so a queued one is still counted.
        return {
          browser,
          page,
          fields: { email },
          state: () => keyturn.repositories.outbox.pending(ownerMailJob),
        };
      },
    },
  ];

  /** A POST the browser sends without going through the form as Keyturn served it. */
  const refusedPosts: Array<[string, (form: OpenForm) => Promise<Page>]> = [
    [
      'refuses a form with no csrf field',
      (form) => {
        const { action, hidden } = formOf(form.page, form.actionPart);
        const { csrf: _, ...others } = hidden;
        return form.browser.request(action, { method: 'POST', form: { ...others, ...form.fields } });
      },
    ],
    [
      'refuses a form sent without the CSRF cookie',
      (form) => {
        const { action, hidden } = formOf(form.page, form.actionPart);
        return form.browser.request(action, {
          method: 'POST',
          form: { ...hidden, ...form.fields },
          withoutCookies: csrfCookies,
        });
      },
    ],
    [
      'refuses a form carrying another browser’s token',
      async (form) => {
        const other = newBrowser();
        const theirs = formOf(await other.follow(`${keyturn.url}/account/sign-in`)).hidden.csrf;
        const { action, hidden } = formOf(form.page, form.actionPart);
        expect(theirs).toBeTruthy();
        expect(theirs).not.toBe(hidden.csrf);
        return form.browser.request(action, {
          method: 'POST',
          form: { ...hidden, csrf: theirs, ...form.fields },
        });
      },
    ],
  ];

  it('POST /interaction/:uid/:step › every step of the journey has a row here', () => {
    expect(forms.map((form) => form.route)).toEqual(
      expect.arrayContaining(steps.map((step) => `POST /interaction/:uid/${step}`)),
    );
  });

  for (const { route, open } of forms) {
    describe(route, () => {
      for (const [outcome, post] of refusedPosts) {
        it(`${route} › ${outcome} with 403 and changes nothing`, async () => {
          const form = await open();
          const before = await form.state();
          const refused = await post(form);
          expect(refused.status).toBe(403);
          expect(textOf(refused.html)).toContain(message('en', 'errors:csrf_rejected'));
          expect(await form.state()).toEqual(before);
        });
      }

      it(`${route} › with its own token the same form goes through and changes what the refusals left alone`, async () => {
        const form = await open();
        const before = await form.state();
        const { action, hidden } = formOf(form.page, form.actionPart);
        const accepted = await form.browser.request(action, {
          method: 'POST',
          form: { ...hidden, ...form.fields },
        });
        expect(accepted.status).not.toBe(403);
        expect(await form.state()).not.toEqual(before);
      });
    });
  }
});
