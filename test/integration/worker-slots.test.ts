// The outbox worker runs up to its batch size of jobs at once and claims more as slots free up: one slow
// job (a webhook endpoint that takes its time) does not hold up the jobs queued behind it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { createLogger } from '../../src/logger.ts';
import { outboxStore } from '../../src/outbox/store.ts';
import { createWorker } from '../../src/outbox/worker.ts';
import { openTestDatabase } from '../support/database.ts';

describe('outbox worker slots', () => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase());
    await database.migrate();
  });
  afterAll(async () => {
    await close?.();
  });

  it('a slow job holds one slot: the six fast jobs behind it finish while it still runs', async () => {
    const outbox = outboxStore(database);
    let releaseSlow: () => void = () => {};
    const slowDone = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const finished: string[] = [];
    const worker = createWorker(
      outbox,
      {
        slow: {
          run: async () => {
            await slowDone;
            finished.push('slow');
          },
        },
        fast: {
          run: async (payload) => {
            finished.push(String(payload.n));
          },
        },
      },
      createLogger('silent'),
      { batchSize: 2, leaseMs: 60_000, pollMs: 1_000, maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
    );
    await outbox.enqueue('slow', {});
    for (let n = 1; n <= 6; n++) await outbox.enqueue('fast', { n });
    const draining = worker.drain();
    for (let wait = 0; wait < 100 && finished.length < 6; wait++) await new Promise((r) => setTimeout(r, 20));
    expect(finished).toEqual(['1', '2', '3', '4', '5', '6']);
    releaseSlow();
    expect(await draining).toBe(7);
    expect(finished.at(-1)).toBe('slow');
    expect(await outbox.pending()).toBe(0);
  });
});
