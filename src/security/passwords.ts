// Owner passwords: scrypt at OWASP's recommended cost (N=2^17, r=8, p=1) unless PASSWORD_HASH_COST says
// otherwise (never lower in production), 16-byte salt, 32-byte key. The whole password is hashed (no
// truncation); format `scrypt$N$r$p$salt$key`, so each hash carries the cost it was made with, and one made
// at another cost is upgraded at the next sign-in (see `needsRehash`).
import { randomBytes, type ScryptOptions, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';

export const minimumPasswordLength = 8;
export const maximumPasswordLength = 1024;

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1 (PASSWORD_HASH_COST's default). */
export const owaspPasswordHashCost: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/** The cost PASSWORD_HASH_COST names (log2 N), with OWASP's r and p. */
export const scryptCost = (log2N: number): Readonly<ScryptCost> =>
  Object.freeze({ N: 2 ** log2N, r: owaspPasswordHashCost.r, p: owaspPasswordHashCost.p });

const saltBytes = 16;
const keyBytes = 32;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(
      password.normalize('NFKC'),
      salt,
      keylen,
      { ...options, maxmem: 256 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

interface StoredHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): StoredHash | undefined {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return undefined;
  return {
    cost: { N: Number(n), r: Number(r), p: Number(p) },
    salt: Buffer.from(salt, 'base64url'),
    key: Buffer.from(key, 'base64url'),
  };
}

export async function hashPassword(password: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(saltBytes);
  const key = await scrypt(password, salt, keyBytes, { N: cost.N, r: cost.r, p: cost.p });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** `cost`: what a check without a stored hash spends, so that a missing account does not answer faster. */
export async function verifyPassword(
  password: string,
  stored: string | null,
  cost: ScryptCost,
): Promise<boolean> {
  const hash = stored ? parse(stored) : undefined;
  if (!hash) {
    await hashPassword(password, cost);
    return false;
  }
  const actual = await scrypt(password, hash.salt, hash.key.length, hash.cost);
  return timingSafeEqual(actual, hash.key);
}

/**
 * Whether a stored hash was made other than new hashes are (a lower cost from an older setting, another key
 * or salt size): the next successful sign-in, which has the password at hand, hashes it again.
 */
export function needsRehash(stored: string, cost: ScryptCost): boolean {
  const hash = parse(stored);
  if (!hash) return false;
  return (
    hash.cost.N !== cost.N ||
    hash.cost.r !== cost.r ||
    hash.cost.p !== cost.p ||
    hash.salt.length !== saltBytes ||
    hash.key.length !== keyBytes
  );
}

/** Passwords hashed, checked and upgraded at one installation's cost. */
export interface PasswordHashing {
  readonly cost: Readonly<ScryptCost>;
  hash(password: string): Promise<string>;
  verify(password: string, stored: string | null): Promise<boolean>;
  needsRehash(stored: string): boolean;
}

export function passwordHashing(cost: Readonly<ScryptCost>): PasswordHashing {
  return {
    cost,
    hash: (password) => hashPassword(password, cost),
    verify: (password, stored) => verifyPassword(password, stored, cost),
    needsRehash: (stored) => needsRehash(stored, cost),
  };
}
