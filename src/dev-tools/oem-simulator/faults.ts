// Faults the test knobs inject into the clearance API: a response delay and a number of failing calls.
import type { Middleware } from 'koa';

export interface Faults {
  failNext(count: number, status: number): void;
  /** Resolves when the next clearance API call arrives (before its delay and any failure). */
  nextCallArrives(): Promise<void>;
  setDelay(ms: number): void;
  reset(): void;
  middleware: Middleware;
}

export function createFaults(): Faults {
  let failuresLeft = 0;
  let failureStatus = 503;
  let delayMs = 0;
  let arrivals: Array<() => void> = [];

  return {
    failNext(count, status) {
      failuresLeft = count;
      failureStatus = status;
    },
    nextCallArrives() {
      return new Promise<void>((resolve) => arrivals.push(resolve));
    },
    setDelay(ms) {
      delayMs = ms;
    },
    reset() {
      failuresLeft = 0;
      failureStatus = 503;
      delayMs = 0;
    },
    middleware: async function simulateFaults(ctx, next) {
      const waiting = arrivals;
      arrivals = [];
      for (const arrived of waiting) arrived();
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        ctx.status = failureStatus;
        ctx.body = { error: 'simulated_failure' };
        if (failureStatus === 503) ctx.set('Retry-After', '1');
        return;
      }
      await next();
    },
  };
}
