// Password sign-in is throttled, as OWASP's authentication guidance asks: per account, so nobody can keep
// guessing one owner's password, and per client address, because every check runs scrypt (N=2^17: about
// 128 MB and 0.65 s of CPU on the benchmark machine), so unthrottled attempts could keep the server hashing.
// rate-limiter-flexible's in-memory limiters: each Keyturn instance counts its own attempts.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface SignInLimits {
  failuresPerAccount: number;
  attemptsPerAddress: number;
  windowSeconds: number;
}

export interface SignInThrottle {
  /** Counts one password check for the address. Returns the seconds to wait when it may not run now. */
  admit(address: string, email: string): Promise<number | undefined>;
  failed(email: string): Promise<void>;
  succeeded(email: string): Promise<void>;
}

const accountKey = (email: string) => email.trim().toLowerCase();
const secondsUntil = (result: RateLimiterRes) => Math.max(1, Math.ceil(result.msBeforeNext / 1000));

export function signInThrottle(limits: SignInLimits): SignInThrottle {
  const failures = new RateLimiterMemory({
    keyPrefix: 'sign-in-account',
    points: limits.failuresPerAccount,
    duration: limits.windowSeconds,
  });
  const attempts = new RateLimiterMemory({
    keyPrefix: 'sign-in-address',
    points: limits.attemptsPerAddress,
    duration: limits.windowSeconds,
  });
  return {
    async admit(address, email) {
      const counted = await failures.get(accountKey(email));
      if (counted && counted.consumedPoints >= limits.failuresPerAccount) return secondsUntil(counted);
      try {
        await attempts.consume(address);
        return undefined;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return secondsUntil(refusal);
        throw refusal;
      }
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
  };
}
