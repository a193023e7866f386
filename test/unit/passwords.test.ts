// Password hashes: scrypt at OWASP's recommended cost unless configured otherwise (never lower in
// production), the cost carried in the hash itself, so a hash made at any other cost is known and can be
// upgraded at the owner's next sign-in.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { owaspPasswordHashCost, passwordHashing } from '../../src/security/passwords.ts';

const cheap = { N: 2 ** 10, r: 8, p: 1 };

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
  it('PASSWORD_HASH_COST › is OWASP’s N=2^17, r=8, p=1 unless set; tests use 2^12', () => {
    expect(owaspPasswordHashCost).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(loadConfig({ NODE_ENV: 'development' }).passwordHashCost).toEqual(owaspPasswordHashCost);
    expect(loadConfig({ NODE_ENV: 'test' }).passwordHashCost).toEqual({ N: 2 ** 12, r: 8, p: 1 });
    expect(loadConfig({ NODE_ENV: 'development', PASSWORD_HASH_COST: '18' }).passwordHashCost).toEqual({
      N: 2 ** 18,
      r: 8,
      p: 1,
    });
  });

  it('PASSWORD_HASH_COST › below 17 is refused in production, with the reason', () => {
    const production = {
      NODE_ENV: 'production',
      ISSUER: 'https://keyturn.example',
      PASSWORD_HASH_COST: '12',
    };
    const refusal = (() => {
      try {
        loadConfig(production);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(String((refusal as ConfigError).message)).toMatch(/PASSWORD_HASH_COST.*at least 17 in production/);
  });

  it('hash › makes scrypt hashes at its cost with a 16-byte salt and a 32-byte key', async () => {
    const passwords = passwordHashing(cheap);
    const hash = await passwords.hash('correct horse battery staple');
    expect(partsOf(hash)).toEqual({ scheme: 'scrypt', cost: cheap, saltBytes: 16, keyBytes: 32 });
    expect(await passwords.verify('correct horse battery staple', hash)).toBe(true);
    expect(await passwords.verify('correct horse battery stapler', hash)).toBe(false);
    expect(await passwords.verify('correct horse battery staple', null)).toBe(false);
    expect(passwords.needsRehash(hash)).toBe(false);
  });

  it('needsRehash › is true for a hash made at another cost, which still verifies', async () => {
    const weak = await passwordHashing(cheap).hash('correct horse battery staple');
    const passwords = passwordHashing({ N: 2 ** 11, r: 8, p: 1 });
    expect(await passwords.verify('correct horse battery staple', weak)).toBe(true);
    expect(passwords.needsRehash(weak)).toBe(true);
    expect(passwords.needsRehash(weak.replace('$1024$8$1$', '$2048$4$1$'))).toBe(true);
    expect(passwords.needsRehash(weak.replace('$1024$8$1$', '$2048$8$2$'))).toBe(true);
    expect(passwords.needsRehash(weak.replace('$1024$8$1$', '$2048$8$1$'))).toBe(false);
  });

  it('needsRehash › is false for what is no scrypt hash at all (it never verifies, so there is nothing to upgrade)', () => {
    const passwords = passwordHashing(cheap);
    expect(passwords.needsRehash('bcrypt$2b$12$abc')).toBe(false);
    expect(passwords.needsRehash('')).toBe(false);
  });
});
