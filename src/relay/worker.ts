// The outbox worker: claims due jobs, runs the handler for each job's kind, completes it or schedules a
// retry with exponential backoff and equal jitter. Runs in-process (`npm start`) or as `keyturn worker`.
import type { Logger } from '../logger.ts';
import type { OutboxJob, OutboxRepository } from '../storage/outbox.ts';

export type JobHandler = (payload: Record<string, unknown>, job: OutboxJob) => Promise<void>;

/** Thrown by a handler when retrying cannot help (the job is abandoned and kept for operators). */
export class PermanentJobFailure extends Error {}

export interface WorkerOptions {
  batchSize?: number;
  leaseMs?: number;
  pollMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface Worker {
  /** Runs every due job until none is left (tests and the CLI use it). Returns how many ran. */
  drain(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function createWorker(
  outbox: OutboxRepository,
  handlers: Record<string, JobHandler>,
  logger: Logger,
  options: WorkerOptions = {},
): Worker {
  const batchSize = options.batchSize ?? 10;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 25;
  const baseDelayMs = options.baseDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 6 * 3_600_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;

  async function run(job: OutboxJob): Promise<void> {
    const handler = handlers[job.kind];
    try {
      if (!handler) throw new PermanentJobFailure(`no handler for job kind ${job.kind}`);
      await handler(job.payload, job);
      await outbox.complete(job.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof PermanentJobFailure || job.attempts >= maxAttempts) {
        logger.error({ job: job.id, kind: job.kind, attempts: job.attempts, err: error }, 'job abandoned');
        await outbox.abandon(job.id, message);
        return;
      }
      const delay = backoffDelay(job.attempts, baseDelayMs, maxDelayMs);
      logger.warn(
        { job: job.id, kind: job.kind, attempts: job.attempts, retryInMs: delay, error: message },
        'job failed; will retry',
      );
      await outbox.retryLater(job.id, message, Date.now() + delay);
    }
  }

  async function drainOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const jobs = await outbox.claim(batchSize, leaseMs);
      if (jobs.length === 0) return total;
      await Promise.all(jobs.map(run));
      total += jobs.length;
    }
  }

  function drain(): Promise<number> {
    running = (running ?? Promise.resolve(0)).then(drainOnce, drainOnce);
    return running;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(async () => {
      try {
        await drain();
      } catch (error) {
        logger.error({ err: error }, 'outbox poll failed');
      }
      schedule();
    }, pollMs);
    timer.unref();
  }

  return {
    drain,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => 0);
    },
  };
}
