// Password sign-in is throttled, as OWASP's authentication guidance asks: per account, so nobody can keep
// guessing one owner's password, and per client address, because every check runs scrypt (N=2^17: about
// 128 MB and 0.65 s of CPU on the benchmark machine), so unthrottled attempts could keep the server hashing.
// Mails with a new password link are limited too: per email address (nobody can flood an owner's inbox),
// and each request counts against its client address like a password check.
// rate-limiter-flexible keeps the counts: on PostgreSQL in a table every instance shares (sign_in_limits);
// on SQLite, where one server runs per database file, in memory.
import type { Knex } from 'knex';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { hashSecret } from './secrets.ts';

export interface SignInLimits {
  failuresPerAccount: number;
  attemptsPerAddress: number;
  /** Password-link mails asked for one email address per window. */
  passwordMailsPerAccount: number;
  windowSeconds: number;
}

export interface SignInThrottle {
  /** Counts one password check for the address. Returns the seconds to wait when it may not run now. */
  admit(address: string, email: string): Promise<number | undefined>;
  /** Counts one request for a password link (and one attempt for the address); seconds to wait, if refused. */
  admitPasswordMail(address: string, email: string): Promise<number | undefined>;
  failed(email: string): Promise<void>;
  succeeded(email: string): Promise<void>;
  /** Deletes counts whose window has ended; returns how many. */
  sweep(now?: number): Promise<number>;
}

const table = 'sign_in_limits';
// Counted under hashes: any length fits the key column, and no email or client address is stored here.
const accountKey = (email: string) => hashSecret(email.trim().toLowerCase());
const secondsUntil = (result: RateLimiterRes) => Math.max(1, Math.ceil(result.msBeforeNext / 1000));

/** `shared`: the PostgreSQL database every instance uses; without it each process counts on its own. */
export function signInThrottle(limits: SignInLimits, shared?: Knex): SignInThrottle {
  const limiter = (keyPrefix: string, points: number) => {
    const options = { keyPrefix, points, duration: limits.windowSeconds };
    if (!shared) return new RateLimiterMemory(options);
    // The table comes from a migration (tableCreated), so the limiter never creates one itself.
    return new RateLimiterPostgres({
      ...options,
      storeClient: shared,
      storeType: 'knex',
      tableName: table,
      tableCreated: true,
    });
  };
  const failures = limiter('sign-in-account', limits.failuresPerAccount);
  const attempts = limiter('sign-in-address', limits.attemptsPerAddress);
  const passwordMails = limiter('password-mail-account', limits.passwordMailsPerAccount);
  /** Takes a point; the seconds to wait when none is left. */
  const take = async (counter: typeof attempts, key: string) => {
    try {
      await counter.consume(key);
      return undefined;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return secondsUntil(refusal);
      throw refusal;
    }
  };
  return {
    async admit(address, email) {
      const counted = await failures.get(accountKey(email));
      if (counted && counted.consumedPoints >= limits.failuresPerAccount) return secondsUntil(counted);
      return take(attempts, hashSecret(address));
    },
    async admitPasswordMail(address, email) {
      return (await take(attempts, hashSecret(address))) ?? take(passwordMails, accountKey(email));
    },
    async failed(email) {
      // Past the limit the limiter refuses, which here only means the count is already full.
      await failures.consume(accountKey(email)).catch((refusal: unknown) => {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
      });
    },
    async succeeded(email) {
      await failures.delete(accountKey(email));
    },
    async sweep(now = Date.now()) {
      return shared ? shared(table).where('expire', '<=', now).delete() : 0;
    },
  };
}
