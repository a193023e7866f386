// Password sign-in is throttled, as OWASP's authentication guidance asks: per account, so nobody can keep
// guessing one owner's password, and per client address, because every check runs scrypt (N=2^17, about
// 128 MB and most of a second of CPU), so unthrottled attempts could keep the server hashing.
// Mails with a new password link are limited too: per email address (nobody can flood an owner's inbox),
// and each request counts against its client address like a password check.
import type { Knex } from 'knex';
import { rateLimit } from './rate-limits.ts';

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
}

const accountKey = (email: string) => email.trim().toLowerCase();

/** `shared`: the PostgreSQL database every instance uses; without it each process counts on its own. */
export function signInThrottle(limits: SignInLimits, shared?: Knex): SignInThrottle {
  const windowSeconds = limits.windowSeconds;
  const failures = rateLimit('sign-in-account', { points: limits.failuresPerAccount, windowSeconds }, shared);
  const attempts = rateLimit('sign-in-address', { points: limits.attemptsPerAddress, windowSeconds }, shared);
  const passwordMails = rateLimit(
    'password-mail-account',
    { points: limits.passwordMailsPerAccount, windowSeconds },
    shared,
  );
  return {
    async admit(address, email) {
      return (await failures.exhausted(accountKey(email))) ?? attempts.take(address);
    },
    async admitPasswordMail(address, email) {
      return (await attempts.take(address)) ?? passwordMails.take(accountKey(email));
    },
    failed: (email) => failures.record(accountKey(email)),
    succeeded: (email) => failures.reset(accountKey(email)),
  };
}
