// Bulk traffic (the makers' callbacks arrive in bursts) runs through a small queue: a few tasks at a time,
// and the event loop takes pending I/O before each next task starts. Without it a burst of callbacks runs
// back to back and an introspection request, Keyturn's latency-sensitive path, waits behind all of them.
// A full queue refuses at once (503 with Retry-After; makers retry) instead of growing without bound.
import { ServiceBusy } from '../errors.ts';

export interface BulkQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function bulkQueue(options: { concurrency: number; maxWaiting: number }): BulkQueue {
  let running = 0;
  let scheduled = false;
  const waiting: Array<() => void> = [];
  // One start per turn of the event loop, from setImmediate, which runs after the poll phase: requests
  // that arrived meanwhile are read (and an introspection answered) before the next task begins.
  const schedule = () => {
    if (scheduled || waiting.length === 0 || running >= options.concurrency) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const start = waiting.shift();
      if (!start) return;
      running++;
      start();
      schedule();
    });
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (waiting.length >= options.maxWaiting) throw new ServiceBusy();
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        schedule();
      });
      try {
        return await task();
      } finally {
        running--;
        schedule();
      }
    },
  };
}
