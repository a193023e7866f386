// Dashboard sessions live on the server: signing out ends a session even where its cookie was copied, a new
// password ends all of the account's sessions, and "Forgot your password?" mails a single-use link to
// set one without telling anyone whether an account has the address.
import type * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.ts';
import type { HttpBrowser, Page } from '../support/http-browser.ts';
import { textOf } from '../support/http-browser.ts';
import {
  type DevMail,
  mailsTo as mailsSentTo,
  newBrowser,
  passwordLinkFor,
  walkAsNewOwner,
} from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

const passphrase = 'a long and secret passphrase';

describe('owner sessions and forgotten passwords', () => {
  let keyturn: RunningKeyturn;
  let config: oauth.Configuration;
  let owners = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn({ PASSWORD_MAILS_PER_ACCOUNT: '2', SIGN_IN_ATTEMPTS_PER_ADDRESS: '100' });
    config = await discover(keyturn.url, await registerTestApp(keyturn));
  });
  afterAll(() => keyturn?.close());

  const dashboard = () => `${keyturn.url}/account`;

  /** A new owner who has walked the journey and set a password from the mailed link. */
  async function ownerWithPassword(): Promise<string> {
    const email = `sessions${++owners}@example.com`;
    await walkAsNewOwner(newBrowser(), (await authorizationRequest(config)).url, { email });
    await keyturn.worker.drain();
    await setPasswordWith(await passwordLinkFor(keyturn.url, email), passphrase);
    return email;
  }

  async function setPasswordWith(link: string, password: string): Promise<Page> {
    const browser = newBrowser();
    return browser.submit(await browser.follow(link), { password });
  }

  async function signedInBrowser(email: string, password = passphrase): Promise<HttpBrowser> {
    const browser = newBrowser();
    const page = await browser.submit(await browser.follow(`${keyturn.url}/account/sign-in`), {
      email,
      password,
    });
    expect(page.url).toBe(dashboard());
    return browser;
  }

  /** What GET /account answers to a request carrying exactly these cookies. */
  const dashboardWith = (cookies: string) =>
    fetch(dashboard(), { headers: { cookie: cookies, accept: 'text/html' }, redirect: 'manual' });

  /** The mails sent to `email` once every queued mail job has run. */
  async function mailsTo(email: string): Promise<DevMail[]> {
    await keyturn.worker.drain();
    return mailsSentTo(keyturn.url, email);
  }

  /** The English "set a new password" mails sent to `email`, newest first. */
  const resetMailsTo = async (email: string) =>
    (await mailsTo(email)).filter((m) => m.subject === message('en', 'mail:reset_password.subject'));

  const resetLinksTo = async (email: string) =>
    (await resetMailsTo(email)).map((m) => m.links.find((href) => href.includes('/account/password?token=')));

  async function askForLink(email: string, browser = newBrowser()): Promise<Page> {
    const form = await browser.follow(`${keyturn.url}/account/password/forgot`);
    return browser.submit(form, { email });
  }

  it('POST /account/sign-out › a copy of the session cookie stops working once its owner signs out', async () => {
    const email = await ownerWithPassword();
    const browser = await signedInBrowser(email);
    const copied = browser.cookiesFor(dashboard());
    expect((await dashboardWith(copied)).status).toBe(200);

    const signedOut = await browser.submit(await browser.follow(dashboard()), {}, '/account/sign-out');
    expect(signedOut.url).toBe(`${keyturn.url}/account/sign-in`);
    const replayed = await dashboardWith(copied);
    expect(replayed.status).toBe(302);
    expect(replayed.headers.get('location')).toBe('/account/sign-in');
  });

  it('POST /account/sign-in › each sign-in starts a new session, stored only as a hash; the one before it ends', async () => {
    const email = await ownerWithPassword();
    const browser = await signedInBrowser(email);
    const first = browser.cookiesFor(dashboard());
    await browser.submit(await browser.follow(`${keyturn.url}/account/sign-in`), {
      email,
      password: passphrase,
    });
    const second = browser.cookiesFor(dashboard());
    expect(second).not.toBe(first);
    expect((await dashboardWith(first)).status).toBe(302);
    expect((await dashboardWith(second)).status).toBe(200);

    const id = /keyturn\.owner=([^;]+)/.exec(second)?.[1] as string;
    const rows = await keyturn.database.query()('owner_sessions').select('id_hash');
    expect(rows.map((row) => row.id_hash)).toContain(hashSecret(id));
    expect(JSON.stringify(rows)).not.toContain(id);
  });

  it('POST /account/password/forgot › the mailed link sets a new password and signs out every session of the account; older links die', async () => {
    const email = await ownerWithPassword();
    const laptop = await signedInBrowser(email);
    const phone = await signedInBrowser(email);
    const older = await askForLink(email);
    expect(older.status).toBe(200);
    const sent = await askForLink(email);
    expect(sent.status).toBe(200);
    expect(textOf(sent.html)).toContain(message('en', 'account:forgot_password.sent_heading'));

    const links = await resetLinksTo(email);
    expect(links).toHaveLength(2);
    // Both forms are opened first; once one sets the password, the other link is dead, form or no form.
    const [first, second] = [newBrowser(), newBrowser()];
    const [firstForm, secondForm] = [
      await first.follow(links[0] as string),
      await second.follow(links[1] as string),
    ];
    const saved = await second.submit(secondForm, { password: 'a brand new passphrase' });
    expect(textOf(saved.html)).toContain(message('en', 'account:set_password.done_heading'));
    const stale = await first.submit(firstForm, { password: 'what an old mail would set' });
    expect(stale.status).toBe(410);
    expect((await newBrowser().follow(links[0] as string)).status).toBe(410);

    for (const browser of [laptop, phone])
      expect((await dashboardWith(browser.cookiesFor(dashboard()))).status).toBe(302);
    await signedInBrowser(email, 'a brand new passphrase');
    const stranger = newBrowser();
    const old = await stranger.submit(await stranger.follow(`${keyturn.url}/account/sign-in`), {
      email,
      password: passphrase,
    });
    expect(old.status).toBe(400);
  });

  it('POST /account/password/forgot › an address without an account gets the same answer and no mail', async () => {
    const known = await ownerWithPassword();
    const unknown = `nobody${owners}@example.com`;
    const forKnown = await askForLink(known);
    const forUnknown = await askForLink(unknown);
    expect(forUnknown.status).toBe(forKnown.status);
    expect(textOf(forUnknown.html).replace(unknown, 'ADDRESS')).toBe(
      textOf(forKnown.html).replace(known, 'ADDRESS'),
    );
    expect(await mailsTo(unknown)).toEqual([]);
    expect(await resetMailsTo(known)).toHaveLength(1);
  });

  it('POST /account/password/forgot › in German: the page, the error for a bad address (nothing queued) and the mail', async () => {
    const email = await ownerWithPassword();
    const browser = newBrowser('de');
    const form = await browser.follow(`${keyturn.url}/account/password/forgot`);
    expect(textOf(form.html)).toContain(message('de', 'account:forgot_password.intro'));
    const queued = async () => (await keyturn.database.query()('outbox').count({ n: '*' }))[0]?.n;
    const before = await queued();
    const refused = await browser.submit(form, { email: 'not an address' });
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain(message('de', 'account:errors.email_invalid'));
    expect(await queued()).toBe(before);

    const sent = await browser.submit(form, { email: email.toUpperCase() });
    expect(textOf(sent.html)).toContain(message('de', 'account:forgot_password.sent_heading'));
    const subjects = (await mailsTo(email)).map((mail) => mail.subject);
    expect(subjects).toContain(message('de', 'mail:reset_password.subject'));
  });

  it('POST /account/password/forgot › a third request for one address within the window gets 429 and sends nothing', async () => {
    const email = await ownerWithPassword();
    expect((await askForLink(email)).status).toBe(200);
    expect((await askForLink(email.toUpperCase())).status).toBe(200);
    const throttled = await askForLink(email);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(textOf(throttled.html)).toContain(message('en', 'account:errors.password_mail_throttled'));
    expect(await resetMailsTo(email)).toHaveLength(2);
    expect((await askForLink(`other${owners}@example.com`)).status).toBe(200);
  });

  it('POST /account/password/forgot › the link asked for is valid for an hour; the one mailed after the journey for two days', async () => {
    const email = await ownerWithPassword();
    await askForLink(email);
    await mailsTo(email);
    const account = await keyturn.repositories.accounts.findByEmail(email);
    const lifetimes = (
      await keyturn.database
        .query()('password_links')
        .where({ account_id: account?.id })
        .orderBy('created_at')
        .select('created_at', 'expires_at')
    ).map((link) => Math.round((Number(link.expires_at) - Number(link.created_at)) / 60_000));
    expect(lifetimes).toEqual([2 * 24 * 60, 60]);
  });

  it('maintenance › deletes ended sessions; a session past its expiry no longer signs anyone in', async () => {
    const email = await ownerWithPassword();
    const browser = await signedInBrowser(email);
    const knex = keyturn.database.query();
    const account = await keyturn.repositories.accounts.findByEmail(email);
    await knex('owner_sessions')
      .where({ account_id: account?.id })
      .update({ expires_at: Date.now() - 1 });
    expect((await dashboardWith(browser.cookiesFor(dashboard()))).status).toBe(302);
    await keyturn.maintenance();
    expect(await knex('owner_sessions').where({ account_id: account?.id })).toEqual([]);
  });

  it('maintenance › deletes password links a day after they expired; a link expired for less still says "expired"', async () => {
    const email = await ownerWithPassword();
    await askForLink(email);
    await askForLink(email);
    const [lately, long] = await resetLinksTo(email);
    const knex = keyturn.database.query();
    const rowOf = (link = '') =>
      knex('password_links').where({ token_hash: hashSecret(new URL(link).searchParams.get('token') ?? '') });
    expect(await rowOf(lately).update({ expires_at: Date.now() - 60_000 })).toBe(1);
    expect(await rowOf(long).update({ expires_at: Date.now() - 2 * 86_400_000 })).toBe(1);

    await keyturn.maintenance();
    expect(await rowOf(long)).toEqual([]);
    expect(await rowOf(lately)).toHaveLength(1);
    const late = await newBrowser().follow(lately as string);
    expect(late.status).toBe(410);
    expect(textOf(late.html)).toContain(message('en', 'account:set_password.expired_heading'));
  });
});
