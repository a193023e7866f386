// Signing in with a password, on the dashboard and in the journey: a stored hash made at a lower scrypt cost
// is made again at the configured cost by the next successful sign-in (OWASP Password Storage Cheat Sheet),
// and a failed sign-in never touches it.
import type * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/security/passwords.ts';
import { newBrowser, signIn, stepOf } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

const passphrase = 'a long and secret passphrase';
const weakCost = { N: 2 ** 10, r: 8, p: 1 };

/** The scrypt cost a stored `scrypt$N$r$p$salt$key` hash was made with. */
function costOf(hash: string) {
  const [, N, r, p] = hash.split('$');
  return { N: Number(N), r: Number(r), p: Number(p) };
}

describe('password sign-in › hashes made at a lower cost', () => {
  let keyturn: RunningKeyturn;
  let config: oauth.Configuration;
  let owners = 0;

  beforeAll(async () => {
    keyturn = await startKeyturn({ SIGN_IN_ATTEMPTS_PER_ADDRESS: '100' });
    config = await discover(keyturn.url, await registerTestApp(keyturn));
  });
  afterAll(() => keyturn?.close());

  /** An owner whose password was stored at N=2^10, as an older setting would have stored it. */
  async function ownerWithWeakHash(): Promise<string> {
    const email = `rehash${++owners}@example.com`;
    const { account } = await keyturn.repositories.accounts.findOrCreate({
      email,
      country: 'DE',
      locale: 'en',
    });
    await keyturn.repositories.accounts.setPassword(account.id, await hashPassword(passphrase, weakCost));
    return email;
  }

  const storedHash = async (email: string) =>
    (await keyturn.repositories.accounts.passwordHashOf(email))?.passwordHash ?? '';

  /** Each form that signs in with a password; true when the owner got in. */
  const signInForms: Array<[string, (email: string, password: string) => Promise<boolean>]> = [
    [
      'POST /account/sign-in',
      async (email, password) => {
        const browser = newBrowser();
        const form = await browser.follow(`${keyturn.url}/account/sign-in`);
        return (await browser.submit(form, { email, password })).url === `${keyturn.url}/account`;
      },
    ],
    [
      'POST /interaction/:uid/landing',
      async (email, password) =>
        stepOf(await signIn(newBrowser(), (await authorizationRequest(config)).url, email, password)) ===
        'brand',
    ],
  ];

  it.each(signInForms)(
    '%s › a successful sign-in stores the password again at the configured cost, and the new hash verifies',
    async (_, signInWith) => {
      const email = await ownerWithWeakHash();
      expect(costOf(await storedHash(email))).toEqual(weakCost);

      expect(await signInWith(email, passphrase)).toBe(true);
      const upgraded = await storedHash(email);
      expect(costOf(upgraded)).toEqual(keyturn.passwords.cost);
      expect(costOf(upgraded)).not.toEqual(weakCost);
      expect(await keyturn.passwords.verify(passphrase, upgraded)).toBe(true);

      // Already at the configured cost: the next sign-in works and leaves the hash as it is.
      expect(await signInWith(email, passphrase)).toBe(true);
      expect(await storedHash(email)).toBe(upgraded);
    },
  );

  it.each(signInForms)('%s › a wrong password never rewrites the stored hash', async (_, signInWith) => {
    const email = await ownerWithWeakHash();
    const before = await storedHash(email);
    expect(await signInWith(email, 'not the passphrase at all')).toBe(false);
    expect(await signInWith(email, `${passphrase} `)).toBe(false);
    expect(await storedHash(email)).toBe(before);
  });
});
