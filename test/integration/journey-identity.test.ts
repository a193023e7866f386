// Who the owner is, in the consent journey: an email address typed on the account step proves nothing
// until the code mailed to it comes back. Until then the journey uses no existing account (no login, no
// saved vehicles, no `sub`); afterwards the ID token and the consent record how the owner authenticated.
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
  newBrowser,
  proveNewEmail,
  signIn,
  stepOf,
  walkAsNewOwner,
} from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover, redeem } from '../support/relying-party.ts';

const victimVin = 'WBA8E9G50GNT54321';

describe('consent journey › identity', () => {
  let keyturn: RunningKeyturn;
  let app: RegisteredApp;
  let config: oauth.Configuration;
  let victim: { id: string; email: string };
  let owners = 0;
  const nextEmail = () => `identity${++owners}@example.com`;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    app = await registerTestApp(keyturn);
    config = await discover(keyturn.url, app);
    // The victim: an owner with a password and a vehicle saved from an earlier journey.
    const email = 'victim@example.com';
    const { account } = await keyturn.repositories.accounts.findOrCreate({
      email,
      country: 'DE',
      locale: 'en',
    });
    await keyturn.repositories.accounts.setPassword(
      account.id,
      await keyturn.passwords.hash('the victim’s passphrase'),
    );
    await keyturn.repositories.accounts.saveVehicle(account.id, { vin: victimVin, brand: 'bmw' });
    victim = { id: account.id, email };
  });
  afterAll(() => keyturn?.close());

  async function accountStep(browser: HttpBrowser, parameters: Record<string, string> = {}): Promise<Page> {
    const request = await authorizationRequest(config, { scope: 'openid location mileage', ...parameters });
    const landing = await browser.follow(request.url);
    expect(stepOf(landing)).toBe('landing');
    return browser.follow(`${interactionBase(landing)}/account`);
  }

  async function codeStep(browser: HttpBrowser, email: string): Promise<Page> {
    const page = await browser.submit(await accountStep(browser), {
      email,
      country: 'DE',
      accept_terms: 'yes',
    });
    expect(stepOf(page)).toBe('verify');
    return page;
  }

  const openStep = async (browser: HttpBrowser, page: Page) =>
    stepOf(await browser.follow(`${interactionBase(page)}/`));

  function csrfOf(page: Page): string {
    return /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  }

  function idTokenClaims(tokens: oauth.TokenEndpointResponse & oauth.TokenEndpointResponseHelpers) {
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token');
    return claims;
  }

  it("journey › an existing owner's email without proof gets no token for that owner", async () => {
    const attacker = newBrowser();
    const verify = await codeStep(attacker, victim.email);
    const base = interactionBase(verify);

    // No later step can be reached or posted to without the code.
    expect(stepOf(await attacker.follow(`${base}/brand`))).toBe('verify');
    expect(stepOf(await attacker.follow(`${base}/vin`))).toBe('verify');
    for (const [step, form] of [
      ['brand', { brand: 'bmw' }],
      ['vin', { vin: bmwVin }],
      ['permissions', { decision: 'allow' }],
    ] as const) {
      const refused = await attacker.request(`${base}/${step}`, {
        method: 'POST',
        form: { csrf: csrfOf(verify), ...form },
      });
      expect(refused.status).toBe(409);
    }

    // Guessing: every try counts, and after the allowed tries even the right code is refused.
    const statuses: number[] = [];
    for (let guess = 0; guess < 5; guess++) {
      const wrong = await attacker.submit(verify, { code: String(100_000 + guess) });
      statuses.push(wrong.status);
      expect(textOf(wrong.html)).toContain(message('en', 'journey:errors.code_invalid'));
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400]);
    const exhausted = await attacker.submit(verify, { code: await codeMailedTo(keyturn.url, victim.email) });
    expect(exhausted.status).toBe(400);
    expect(textOf(exhausted.html)).toContain(message('en', 'journey:errors.code_attempts_exhausted'));
    expect(await openStep(attacker, verify)).toBe('verify');

    // Nothing of the victim's was used or changed, and the attacker's browser holds no login for them.
    expect(await keyturn.repositories.clearances.listForAccount(victim.id)).toEqual([]);
    expect(await keyturn.repositories.accounts.savedVehicles(victim.id)).toEqual([
      { vin: victimVin, brand: 'bmw' },
    ]);
    expect(stepOf(await attacker.follow((await authorizationRequest(config)).url))).toBe('landing');
  });

  it('journey › the verify page shows no saved vehicle, country or name of the account the address has', async () => {
    const verify = await codeStep(newBrowser(), victim.email);
    expect(verify.html).not.toContain(victimVin);
    expect(verify.html).not.toContain(victim.id);
  });

  it("journey › the code mailed to an existing owner's address signs that owner in: sub is the account, amr is otp", async () => {
    const browser = newBrowser();
    const request = await authorizationRequest(config, { scope: 'openid location mileage' });
    const landing = await browser.follow(request.url);
    const account = await browser.follow(`${interactionBase(landing)}/account`);
    let page = await proveNewEmail(browser, account, { email: victim.email });
    expect(stepOf(page)).toBe('brand');
    page = await browser.submit(page, { brand: 'bmw' });
    expect(page.html).toContain(victimVin);
    page = await browser.submit(page, { vin: bmwVin });
    const done = await browser.submit(page, { decision: 'allow' });
    const claims = idTokenClaims(await redeem(config, done.url, request));
    expect(claims.sub).toBe(victim.id);
    expect(claims.amr).toEqual(['otp']);
    const [clearance] = await keyturn.repositories.clearances.listForAccount(victim.id);
    expect(clearance?.authMethod).toBe('otp');
  });

  it('journey › a new address proven by its code gets a new account: sub is that account, amr is otp', async () => {
    const email = nextEmail();
    const request = await authorizationRequest(config, { scope: 'openid location mileage' });
    const done = await walkAsNewOwner(newBrowser(), request.url, { email });
    const claims = idTokenClaims(await redeem(config, done.url, request));
    const created = await keyturn.repositories.accounts.findByEmail(email);
    expect(claims.sub).toBe(created?.id);
    expect(claims.amr).toEqual(['otp']);
  });

  it('journey › a password sign-in records amr pwd in the ID token and in the consent', async () => {
    const browser = newBrowser();
    const request = await authorizationRequest(config, { scope: 'openid location mileage' });
    let page = await signIn(browser, request.url, victim.email, 'the victim’s passphrase');
    expect(stepOf(page)).toBe('brand');
    page = await browser.submit(page, { brand: 'bmw' });
    page = await browser.submit(page, { saved_vin: victimVin });
    const done = await browser.submit(page, { decision: 'allow' });
    const claims = idTokenClaims(await redeem(config, done.url, request));
    expect(claims.sub).toBe(victim.id);
    expect(claims.amr).toEqual(['pwd']);
    const clearances = await keyturn.repositories.clearances.listForAccount(victim.id);
    expect(clearances.find((c) => c.vin === victimVin)?.authMethod).toBe('pwd');
  });

  it('journey › a code mailed for one journey proves nothing in another', async () => {
    const own = nextEmail();
    await codeStep(newBrowser(), own);
    const ownCode = await codeMailedTo(keyturn.url, own);
    const attacker = newBrowser();
    const verify = await codeStep(attacker, victim.email);
    if (ownCode === (await codeMailedTo(keyturn.url, victim.email))) return; // one chance in a million
    const refused = await attacker.submit(verify, { code: ownCode });
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain(message('en', 'journey:errors.code_invalid'));
    expect(await openStep(attacker, verify)).toBe('verify');
  });

  it('journey › an expired code is refused and a new one can be asked for from the account step', async () => {
    const email = nextEmail();
    const browser = newBrowser();
    const verify = await codeStep(browser, email);
    const uid = interactionBase(verify).split('/').at(-1) as string;
    await keyturn.repositories.journeys.update(uid, { codeExpiresAt: Date.now() - 1 });
    const expired = await browser.submit(verify, { code: await codeMailedTo(keyturn.url, email) });
    expect(expired.status).toBe(400);
    expect(textOf(expired.html)).toContain(message('en', 'journey:errors.code_expired'));
    expect(await keyturn.repositories.accounts.findByEmail(email)).toBeUndefined();

    const again = await browser.follow(`${interactionBase(verify)}/account`);
    expect(again.html).toContain(`value="${email}"`);
    const proven = await proveNewEmail(browser, again, { email });
    expect(stepOf(proven)).toBe('brand');
  });

  it('journey › a code is used once: the same code again after the proof changes nothing', async () => {
    const email = nextEmail();
    const browser = newBrowser();
    const verify = await codeStep(browser, email);
    const code = await codeMailedTo(keyturn.url, email);
    expect(stepOf(await browser.submit(verify, { code }))).toBe('brand');
    const again = await browser.request(verify.url, { method: 'POST', form: { csrf: csrfOf(verify), code } });
    expect(again.status).toBe(409);
  });

  it('journey › a login session that records no proof must sign in again', async () => {
    // A browser that finished a journey has a login session; make it one that records no proof, as
    // sessions from before proof was required do.
    const browser = newBrowser();
    await walkAsNewOwner(browser, (await authorizationRequest(config)).url, { email: nextEmail() });
    const sessionId = /(?:^|; )_session=([^;]+)/.exec(browser.cookiesFor(`${keyturn.url}/auth`))?.[1];
    const session = await keyturn.authorizationServer.Session.find(sessionId as string);
    if (!session) throw new Error('no login session');
    session.amr = ['email'];
    await session.save(3600);
    expect(stepOf(await browser.follow((await authorizationRequest(config)).url))).toBe('landing');
  });

  it('journey › a session proven by the code starts the next authorization at the brand step', async () => {
    const browser = newBrowser();
    await walkAsNewOwner(browser, (await authorizationRequest(config)).url, { email: nextEmail() });
    expect(stepOf(await browser.follow((await authorizationRequest(config)).url))).toBe('brand');
  });

  it('POST /interaction/:uid/verify › refuses something other than six digits without counting a try', async () => {
    const email = nextEmail();
    const browser = newBrowser();
    const verify = await codeStep(browser, email);
    for (const code of ['', '12345', '1234567', 'abcdef', '12 34 5x']) {
      const refused = await browser.submit(verify, { code });
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain(message('en', 'journey:errors.code_format'));
    }
    const code = await codeMailedTo(keyturn.url, email);
    expect(stepOf(await browser.submit(verify, { code: `${code.slice(0, 3)} ${code.slice(3)}` }))).toBe(
      'brand',
    );
  });

  it('POST /interaction/:uid/account › mails the same code mail in the same words to a new and an existing address', async () => {
    const fresh = nextEmail();
    await codeStep(newBrowser(), fresh);
    await codeStep(newBrowser(), victim.email);
    const words = async (email: string) =>
      (await mailsTo(keyturn.url, email))
        .slice(0, 1)
        .map((mail) => [mail.subject, mail.text].map((part) => part.replace(/\d{6}/g, 'CODE')));
    expect(await words(victim.email)).toEqual(await words(fresh));
  });
});
