// Password sign-in is throttled per account and per client address, on the dashboard and in the journey:
// once a limit is reached the form answers 429 with Retry-After and a localized message, and the password
// is not checked (not even a right one). Limits are lowered here so that few scrypt hashes reach them.
import type * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testEngine } from '../support/database.ts';
import type { HttpBrowser, Page } from '../support/http-browser.ts';
import { textOf } from '../support/http-browser.ts';
import { newBrowser, passwordLinkFor, signIn, stepOf, walkAsNewOwner } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

const passphrase = 'a long and secret passphrase';

describe('sign-in throttle', () => {
  let keyturn: RunningKeyturn;
  let config: oauth.Configuration;
  let owners = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn({ SIGN_IN_FAILURES_PER_ACCOUNT: '3', SIGN_IN_ATTEMPTS_PER_ADDRESS: '100' });
    config = await discover(keyturn.url, await registerTestApp(keyturn));
  });
  afterAll(() => keyturn?.close());

  /** A new owner who has walked the journey and set a password from the mailed link. */
  async function ownerWithPassword(): Promise<string> {
    const email = `owner${++owners}@example.com`;
    await walkAsNewOwner(newBrowser(), (await authorizationRequest(config)).url, { email });
    await keyturn.worker.drain();
    const browser = newBrowser();
    await browser.submit(await browser.follow(await passwordLinkFor(keyturn.url, email)), {
      password: passphrase,
    });
    return email;
  }

  async function dashboardSignIn(browser: HttpBrowser, email: string, password: string): Promise<Page> {
    const form = await browser.follow(`${keyturn.url}/account/sign-in`);
    return browser.submit(form, { email, password });
  }

  const signedIn = async (browser: HttpBrowser) =>
    (await browser.follow(`${keyturn.url}/account`)).url === `${keyturn.url}/account`;

  it('POST /account/sign-in › after 3 failures for one account, even its right password gets 429 with Retry-After; another account still signs in', async () => {
    const blocked = await ownerWithPassword();
    const other = await ownerWithPassword();
    for (let failure = 0; failure < 3; failure++) {
      const refused = await dashboardSignIn(newBrowser(), blocked.toUpperCase(), 'not the passphrase');
      expect(refused.status).toBe(400);
      expect(textOf(refused.html)).toContain(message('en', 'account:errors.sign_in_failed'));
    }

    const browser = newBrowser();
    const throttled = await dashboardSignIn(browser, blocked, passphrase);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(textOf(throttled.html)).toContain(message('en', 'account:errors.sign_in_throttled'));
    expect(await signedIn(browser)).toBe(false);

    const otherBrowser = newBrowser();
    expect((await dashboardSignIn(otherBrowser, other, passphrase)).status).toBe(200);
    expect(await signedIn(otherBrowser)).toBe(true);

    // The journey's sign-in counts the same failures; the message comes in the owner's language.
    const inGerman = await signIn(
      newBrowser('de'),
      (await authorizationRequest(config)).url,
      blocked,
      passphrase,
    );
    expect(inGerman.status).toBe(429);
    expect(stepOf(inGerman)).toBe('landing');
    expect(textOf(inGerman.html)).toContain(message('de', 'journey:errors.sign_in_throttled'));
  });

  it('POST /interaction/:uid/landing › a successful sign-in clears the failures counted for that account', async () => {
    const email = await ownerWithPassword();
    const attempt = async (password: string) =>
      signIn(newBrowser(), (await authorizationRequest(config)).url, email, password);
    for (const round of [1, 2]) {
      expect((await attempt('not the passphrase')).status, `round ${round}`).toBe(400);
      expect((await attempt('still not the passphrase')).status, `round ${round}`).toBe(400);
      expect(stepOf(await attempt(passphrase)), `round ${round}`).toBe('brand');
    }
  });
});

describe('sign-in throttle across instances', () => {
  const attempt = async (keyturn: RunningKeyturn) => {
    const browser = newBrowser();
    const form = await browser.follow(`${keyturn.url}/account/sign-in`);
    return (await browser.submit(form, { email: 'shared@example.com', password: 'a wrong guess' })).status;
  };

  it('POST /account/sign-in › on PostgreSQL every instance counts the same failures; on SQLite each server counts its own', async () => {
    const database = await createTestDatabase();
    const limits = { SIGN_IN_FAILURES_PER_ACCOUNT: '2', SIGN_IN_ATTEMPTS_PER_ADDRESS: '100' };
    const first = await startKeyturn(limits, database);
    const second = await startKeyturn(limits, database);
    try {
      expect([await attempt(first), await attempt(first)]).toEqual([400, 400]);
      expect(await attempt(second)).toBe(testEngine() === 'postgres' ? 429 : 400);
      expect(await attempt(first)).toBe(429);
    } finally {
      await second.close();
      await first.close();
      await database.drop();
    }
  });

  it('POST /account/sign-in › an email address of any length is refused with the usual 400, never a 500', async () => {
    const keyturn = await startKeyturn();
    try {
      const browser = newBrowser();
      const form = await browser.follow(`${keyturn.url}/account/sign-in`);
      const page = await browser.submit(form, {
        email: `${'x'.repeat(300)}@example.com`,
        password: 'a guess',
      });
      expect(page.status).toBe(400);
      expect(textOf(page.html)).toContain(message('en', 'account:errors.sign_in_failed'));
    } finally {
      await keyturn.close();
    }
  });

  // SQLite counts in memory, where counts expire by themselves; on PostgreSQL they are rows to delete.
  it.runIf(testEngine() === 'postgres')(
    'keyturn maintenance › deletes the counts whose window has ended, and the account may try again',
    async () => {
      const keyturn = await startKeyturn({
        SIGN_IN_FAILURES_PER_ACCOUNT: '1',
        SIGN_IN_ATTEMPTS_PER_ADDRESS: '100',
        SIGN_IN_WINDOW: '900',
      });
      const storedCounts = async () =>
        Number((await keyturn.database.query()('rate_limits').count({ n: '*' }))[0]?.n);
      try {
        expect([await attempt(keyturn), await attempt(keyturn)]).toEqual([400, 429]);
        expect(await storedCounts()).toBe(2);
        // Swept as of a moment inside the window: nothing goes.
        await keyturn.maintenance(Date.now() + 60_000);
        expect(await storedCounts()).toBe(2);
        // Swept as of the window's end: the counts go, and the account may try again.
        await keyturn.maintenance(Date.now() + 901_000);
        expect(await storedCounts()).toBe(0);
        expect(await attempt(keyturn)).toBe(400);
      } finally {
        await keyturn.close();
      }
    },
  );
});

describe('sign-in throttle per client address', () => {
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    keyturn = await startKeyturn({ SIGN_IN_FAILURES_PER_ACCOUNT: '100', SIGN_IN_ATTEMPTS_PER_ADDRESS: '3' });
  });
  afterAll(() => keyturn?.close());

  it('POST /account/sign-in › a fourth password check from one address within the window gets 429, whatever the account', async () => {
    const statuses: number[] = [];
    for (let n = 1; n <= 4; n++) {
      const browser = newBrowser();
      const form = await browser.follow(`${keyturn.url}/account/sign-in`);
      const page = await browser.submit(form, { email: `nobody${n}@example.com`, password: 'some password' });
      statuses.push(page.status);
      if (n === 4) expect(textOf(page.html)).toContain(message('en', 'account:errors.sign_in_throttled'));
    }
    expect(statuses).toEqual([400, 400, 400, 429]);
  });

  it('POST /account/password/forgot › requests for password links count against the address like password checks', async () => {
    const other = await startKeyturn({ SIGN_IN_ATTEMPTS_PER_ADDRESS: '3' });
    try {
      const statuses: number[] = [];
      for (let n = 1; n <= 3; n++) {
        const browser = newBrowser();
        const form = await browser.follow(`${other.url}/account/password/forgot`);
        statuses.push((await browser.submit(form, { email: `forgetful${n}@example.com` })).status);
      }
      const browser = newBrowser();
      const form = await browser.follow(`${other.url}/account/sign-in`);
      const page = await browser.submit(form, { email: 'forgetful1@example.com', password: 'a guess' });
      statuses.push(page.status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await other.close();
    }
  });

  it('POST /account/sign-in › behind a proxy, the address counted is the one the proxy added, not what the client wrote before it', async () => {
    const proxied = await startKeyturn({
      SIGN_IN_FAILURES_PER_ACCOUNT: '100',
      SIGN_IN_ATTEMPTS_PER_ADDRESS: '3',
      TRUST_PROXY: 'true',
    });
    try {
      const statuses: number[] = [];
      for (let n = 1; n <= 4; n++) {
        const browser = newBrowser();
        browser.extraHeaders = { 'x-forwarded-for': `203.0.113.${n}, 198.51.100.7` };
        const form = await browser.follow(`${proxied.url}/account/sign-in`);
        statuses.push(
          (await browser.submit(form, { email: `someone${n}@example.com`, password: 'a guess' })).status,
        );
      }
      expect(statuses).toEqual([400, 400, 400, 429]);
    } finally {
      await proxied.close();
    }
  });
});
