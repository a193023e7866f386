// Password hashes: scrypt at OWASP's recommended cost, carried in the hash itself, so a hash made at any
// other cost is known and can be upgraded at the owner's next sign-in.
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, passwordHashCost, verifyPassword } from '../../src/security/passwords.ts';

/** The parts of `scrypt$N$r$p$salt$key`, decoded. */
function partsOf(hash: string) {
  const [scheme, N, r, p, salt = '', key = ''] = hash.split('$');
  return {
    scheme,
    cost: { N: Number(N), r: Number(r), p: Number(p) },
    saltBytes: Buffer.from(salt, 'base64url').length,
    keyBytes: Buffer.from(key, 'base64url').length,
  };
}

describe('password hashes', () => {
  it('passwordHashCost › is OWASP’s recommended scrypt cost: N=2^17, r=8, p=1', () => {
    expect(passwordHashCost).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });

  it('hashPassword › makes scrypt hashes at the configured cost with a 16-byte salt and a 32-byte key', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(partsOf(hash)).toEqual({ scheme: 'scrypt', cost: passwordHashCost, saltBytes: 16, keyBytes: 32 });
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('needsRehash › is true for a hash made at a lower cost, which still verifies', async () => {
    const weak = await hashPassword('correct horse battery staple', { N: 2 ** 10, r: 8, p: 1 });
    expect(partsOf(weak).cost).toEqual({ N: 2 ** 10, r: 8, p: 1 });
    expect(await verifyPassword('correct horse battery staple', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(weak.replace('$1024$8$1$', '$131072$4$1$'))).toBe(true);
    expect(needsRehash(weak.replace('$1024$8$1$', '$131072$8$2$'))).toBe(true);
  });

  it('needsRehash › is false for what is no scrypt hash at all (it never verifies, so there is nothing to upgrade)', () => {
    expect(needsRehash('bcrypt$2b$12$abc')).toBe(false);
    expect(needsRehash('')).toBe(false);
  });
});
