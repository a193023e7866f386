// The set-password page reached from the owner's mail: a single-use, expiring link, also when it is
// submitted twice at once; at least 8 characters and nothing easily guessed, refused with a localized
// message; long passphrases are hashed whole (no 72-byte truncation as with bcrypt), at the configured cost.
import type * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, randomToken } from '../../src/security/secrets.ts';
import { type Page, textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor, signIn, stepOf, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

describe('set-password page', () => {
  let keyturn: RunningKeyturn;
  let config: oauth.Configuration;
  let owners = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn();
    config = await discover(keyturn.url, await registerTestApp(keyturn));
  });
  afterAll(() => keyturn?.close());

  /** A new owner walks the journey; returns their address and the set-password link from their mail. */
  async function newOwnerWithMail() {
    const email = `owner${++owners}@example.com`;
    await walkAsNewOwner(newBrowser(), (await authorizationRequest(config)).url, { email });
    await keyturn.worker.drain();
    const link = await passwordLinkFor(keyturn.url, email);
    return { email, link };
  }

  async function hasPassword(email: string) {
    return (await keyturn.repositories.accounts.findByEmail(email))?.hasPassword;
  }

  it('POST /account/password › the mailed link sets a password once; its second use shows the already-used page (410)', async () => {
    const { email, link } = await newOwnerWithMail();
    const browser = newBrowser();
    const form = await browser.follow(link);
    expect(form.status).toBe(200);
    const saved = await browser.submit(form, { password: 'correct horse battery staple' });
    expect(saved.status).toBe(200);
    expect(textOf(saved.html)).toContain(message('en', 'account:set_password.done_heading'));
    expect(await hasPassword(email)).toBe(true);

    const again = await browser.follow(link);
    expect(again.status).toBe(410);
    expect(textOf(again.html)).toContain(message('en', 'account:set_password.invalid_text'));
    const resubmitted = await browser.submit(form, { password: 'another good passphrase' });
    expect(resubmitted.status).toBe(410);
    expect(resubmitted.html).not.toContain('name="password"');
  });

  /** The message shown beside the password field, as text. */
  const fieldError = (page: Page) =>
    textOf(/<p class="field-error"[^>]*>([\s\S]*?)<\/p>/.exec(page.html)?.[1] ?? '').trim();

  it.each([
    ['a 7-character password', () => '1234567', 'password_too_short'],
    ['eight spaces', () => '        ', 'password_blank'],
    ['spaces, tabs and a newline', () => '  \t \n\t  ', 'password_blank'],
    ['one of the most common passwords', () => 'password1', 'password_common'],
    ['a keyboard row', () => 'qwertzuiop', 'password_keyboard_pattern'],
    ['a word with a year added', () => 'Sommer2024', 'password_words'],
    ['the owner’s own email address', (email: string) => email, 'password_personal'],
  ])(
    'POST /account/password › refuses %s with 400 and its message; nothing is set and the link stays usable',
    async (_, password, problem) => {
      const { email, link } = await newOwnerWithMail();
      const browser = newBrowser();
      const form = await browser.follow(link);
      const refused = await browser.submit(form, { password: password(email) });
      expect(refused.status).toBe(400);
      expect(fieldError(refused)).toBe(message('en', `account:errors.${problem}`));
      expect(await hasPassword(email)).toBe(false);
      const again = await browser.follow(link);
      expect(again.status).toBe(200);
      expect(again.html).toContain('name="password"');
    },
  );

  it('POST /account/password › refuses a common German password with the German message', async () => {
    const { email, link } = await newOwnerWithMail();
    const browser = newBrowser();
    // The mail was in English; the owner switches the page to German with its language link.
    const form = await browser.follow(link.replace('lang=en', 'lang=de'));
    expect(form.html).toContain('<html lang="de">');
    const refused = await browser.submit(form, { password: 'Passwort!' });
    expect(refused.status).toBe(400);
    expect(fieldError(refused)).toBe(message('de', 'account:errors.password_common'));
    expect(await hasPassword(email)).toBe(false);
  });

  it('POST /account/password › stores a scrypt hash at the configured cost (PASSWORD_HASH_COST)', async () => {
    const { email, link } = await newOwnerWithMail();
    const browser = newBrowser();
    await browser.submit(await browser.follow(link), { password: 'a long and secret passphrase' });
    const stored = (await keyturn.repositories.accounts.passwordHashOf(email))?.passwordHash ?? '';
    const [scheme, N, r, p] = stored.split('$');
    expect({ scheme, N: Number(N), r: Number(r), p: Number(p) }).toEqual({
      scheme: 'scrypt',
      ...keyturn.passwords.cost,
    });
    expect(keyturn.passwords.cost).toEqual({ N: 2 ** 12, r: 8, p: 1 });
    expect(await keyturn.passwords.verify('a long and secret passphrase', stored)).toBe(true);
  });

  it('POST /account/password › of two submits of one link at the same moment exactly one sets the password', async () => {
    const { email, link } = await newOwnerWithMail();
    // Two tabs with the form open; both pass the link check before either has saved.
    const [first, second] = [newBrowser(), newBrowser()];
    const forms = [await first.follow(link), await second.follow(link)];
    const passwords = ['the first tab’s passphrase', 'the second tab’s passphrase'];
    const pages = await Promise.all([
      first.submit(forms[0] as Page, { password: passwords[0] }),
      second.submit(forms[1] as Page, { password: passwords[1] }),
    ]);
    expect(pages.map((page) => page.status).sort()).toEqual([200, 410]);
    const winner = pages.findIndex((page) => page.status === 200);
    expect(textOf(pages[winner]?.html ?? '')).toContain(message('en', 'account:set_password.done_heading'));
    const stored = (await keyturn.repositories.accounts.passwordHashOf(email))?.passwordHash ?? null;
    expect(await keyturn.passwords.verify(passwords[winner] as string, stored)).toBe(true);
    expect(await keyturn.passwords.verify(passwords[1 - winner] as string, stored)).toBe(false);
  });

  it('GET /account/password › shows the expired page (410) for an expired link, and POST sets nothing', async () => {
    const email = `expired${++owners}@example.com`;
    const { account } = await keyturn.repositories.accounts.findOrCreate({
      email,
      country: 'DE',
      locale: 'en',
    });
    const token = randomToken(32);
    await keyturn.repositories.accounts.createPasswordLink(account.id, hashSecret(token), Date.now() - 1000);
    const browser = newBrowser();
    // The expired page has no form; the browser's CSRF token comes from any page that has one.
    const landing = await browser.follow((await authorizationRequest(config)).url);
    const csrf = /name="csrf" value="([^"]+)"/.exec(landing.html)?.[1];
    expect(csrf).toBeTruthy();
    const page = await browser.follow(`${keyturn.url}/account/password?token=${token}`);
    expect(page.status).toBe(410);
    expect(textOf(page.html)).toContain(message('en', 'account:set_password.expired_heading'));
    expect(page.html).not.toContain('name="password"');

    const posted = await browser.request(`${keyturn.url}/account/password`, {
      method: 'POST',
      form: { csrf, token, password: 'a perfectly fine passphrase' },
    });
    expect(posted.status).toBe(410);
    expect(await hasPassword(email)).toBe(false);
  });

  it('POST /account/password › accepts a 200-character passphrase whole: signing in needs all of it, not its first 72 characters', async () => {
    const { email, link } = await newOwnerWithMail();
    const passphrase = Array.from({ length: 20 }, (_, i) => `word${String(i).padStart(2, '0')} ok`)
      .join(' ')
      .padEnd(200, '!')
      .slice(0, 200);
    expect(passphrase).toHaveLength(200);
    const browser = newBrowser();
    const saved = await browser.submit(await browser.follow(link), { password: passphrase });
    expect(saved.status).toBe(200);

    const truncated = await signIn(
      newBrowser(),
      (await authorizationRequest(config)).url,
      email,
      passphrase.slice(0, 72),
    );
    expect(truncated.status).toBe(400);
    expect(stepOf(truncated)).toBe('landing');
    expect(textOf(truncated.html)).toContain(message('en', 'journey:errors.sign_in_failed'));

    const whole = await signIn(newBrowser(), (await authorizationRequest(config)).url, email, passphrase);
    expect(stepOf(whole)).toBe('brand');
  });
});
