// Counted limits with a window, on rate-limiter-flexible: on PostgreSQL in a table every instance shares
// (rate_limits), on SQLite, where one server runs per database file, in memory. Keys are hashed before they
// are counted, so no email address, VIN or client address is stored with the counts, and any length fits.
import type { Knex } from 'knex';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { hashSecret } from './secrets.ts';

export const rateLimitsTable = 'rate_limits';

export interface RateLimit {
  /** Counts one use for `key`; the seconds to wait when none is left, else undefined. */
  take(key: string): Promise<number | undefined>;
  /** The seconds to wait when `key` has used up its count, without counting. */
  exhausted(key: string): Promise<number | undefined>;
  /** Counts one use even past the limit (a failure being recorded). */
  record(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface Allowance {
  points: number;
  windowSeconds: number;
}

const secondsUntil = (result: RateLimiterRes) => Math.max(1, Math.ceil(result.msBeforeNext / 1000));

/** `shared`: the PostgreSQL database every instance uses; without it the process counts on its own. */
export function rateLimit(name: string, allowance: Allowance, shared?: Knex): RateLimit {
  const options = { keyPrefix: name, points: allowance.points, duration: allowance.windowSeconds };
  // The table comes from a migration (tableCreated), so the limiter never creates one itself.
  const limiter = shared
    ? new RateLimiterPostgres({
        ...options,
        storeClient: shared,
        storeType: 'knex',
        tableName: rateLimitsTable,
        tableCreated: true,
      })
    : new RateLimiterMemory(options);
  const keyOf = (key: string) => hashSecret(key);
  return {
    async take(key) {
      try {
        await limiter.consume(keyOf(key));
        return undefined;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return secondsUntil(refusal);
        throw refusal;
      }
    },
    async exhausted(key) {
      const counted = await limiter.get(keyOf(key));
      return counted && counted.consumedPoints >= allowance.points ? secondsUntil(counted) : undefined;
    },
    async record(key) {
      // Past the limit the limiter refuses, which here only means the count is already full.
      await limiter.consume(keyOf(key)).catch((refusal: unknown) => {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
      });
    },
    async reset(key) {
      await limiter.delete(keyOf(key));
    },
  };
}

/** Takes one use from each limit in turn; the longest wait among those refused, else undefined. */
export async function takeAll(uses: Array<[RateLimit, string]>): Promise<number | undefined> {
  let wait: number | undefined;
  for (const [limit, key] of uses) {
    const refused = await limit.take(key);
    if (refused !== undefined) wait = Math.max(wait ?? 0, refused);
  }
  return wait;
}

/** Deletes counts whose window has ended (PostgreSQL; memory counts expire by themselves). */
export async function sweepRateLimits(shared: Knex | undefined, now = Date.now()): Promise<number> {
  return shared ? shared(rateLimitsTable).where('expire', '<=', now).delete() : 0;
}
