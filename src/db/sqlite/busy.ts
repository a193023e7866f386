// better-sqlite3 waits for another connection's lock synchronously, on the event loop: with SQLite's busy
// timeout every request would freeze while another process (a `keyturn worker`, the CLI, a backup) writes.
// So Keyturn's connections wait for nothing (busy_timeout 0), and a call refused with SQLITE_BUSY is tried
// again after a short asynchronous pause, with backoff, until the lock timeout has passed; then the error
// stands (it is answered 503).

const busyCodes = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']);
export const isBusy = (error: unknown) => busyCodes.has((error as { code?: string })?.code ?? '');

export interface LockWaiting {
  /** Runs `work` (one synchronous SQLite call), trying again while another connection holds the lock. */
  whenUnlocked<T>(work: () => T): Promise<T>;
  /** How many calls had to wait. */
  waits(): number;
}

export function lockWaiting(timeoutMs: number): LockWaiting {
  let waits = 0;
  return {
    async whenUnlocked<T>(work: () => T): Promise<T> {
      try {
        return work();
      } catch (error) {
        if (!isBusy(error)) throw error;
      }
      waits++;
      const giveUpAt = Date.now() + timeoutMs;
      for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
        await new Promise((resolve) => setTimeout(resolve, pause));
        try {
          return work();
        } catch (error) {
          if (!isBusy(error) || Date.now() >= giveUpAt) throw error;
        }
      }
    },
    waits: () => waits,
  };
}
