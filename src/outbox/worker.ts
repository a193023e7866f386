// The outbox worker: claims due jobs, runs the definition for each job's kind, completes it or schedules a
// retry with exponential backoff and equal jitter, and gives up after the configured attempts (or at once
// on a permanent failure), telling the job's definition so it can record what that means. Runs in-process
// (`npm start`) or as `keyturn worker`; stopping lets the jobs under way finish and claims no more.
import type { Logger } from '../logger.ts';
import type { LabelledCounter } from '../metrics/registry.ts';
import { type JobDefinition, type JobRegistry, PermanentJobFailure } from './jobs.ts';
import type { OutboxJob, OutboxStore } from './store.ts';

export interface WorkerOptions {
  batchSize?: number;
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Counts the jobs given up on, by kind. */
  abandonedJobs?: LabelledCounter<'kind'>;
}

export interface Worker {
  /** Runs every due job until none is left (tests and the CLI use it). Returns how many ran. */
  drain(): Promise<number>;
  start(): void;
  /** Claims no more jobs and waits for those under way. */
  stop(): Promise<void>;
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The shortest and longest time from a job's first attempt to its last (equal jitter: half to all). */
export function retryHorizonMs(options: Pick<WorkerOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>) {
  let longest = 0;
  for (let attempt = 1; attempt < options.maxAttempts; attempt++)
    longest += Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return { shortest: longest / 2, longest };
}

export function createWorker(
  outbox: OutboxStore,
  definitions: JobRegistry,
  logger: Logger,
  options: WorkerOptions,
): Worker {
  const batchSize = options.batchSize ?? 10;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  /** Set while stop() waits: the batch under way finishes, no further one is claimed. */
  let stopping = false;

  const definitionOf = (kind: string): JobDefinition | undefined =>
    Object.hasOwn(definitions, kind) ? definitions[kind] : undefined;

  async function giveUp(job: OutboxJob, definition: JobDefinition | undefined, error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error({ job: job.id, kind: job.kind, attempts: job.attempts, err: error }, 'job abandoned');
    options.abandonedJobs?.inc({ kind: job.kind });
    await outbox.abandon(job.id, message);
    try {
      await definition?.abandoned?.(job.payload, job, message);
    } catch (thrown) {
      logger.error({ job: job.id, kind: job.kind, err: thrown }, 'recording an abandoned job failed');
    }
  }

  async function run(job: OutboxJob): Promise<void> {
    const definition = definitionOf(job.kind);
    try {
      if (!definition) throw new PermanentJobFailure(`no handler for job kind ${job.kind}`);
      await definition.run(job.payload, job);
      await outbox.complete(job.id);
    } catch (error) {
      if (error instanceof PermanentJobFailure || job.attempts >= options.maxAttempts)
        return giveUp(job, definition, error);
      const message = error instanceof Error ? error.message : String(error);
      const delay = backoffDelay(job.attempts, options.baseDelayMs, options.maxDelayMs);
      logger.warn(
        { job: job.id, kind: job.kind, attempts: job.attempts, retryInMs: delay, error: message },
        'job failed; will retry',
      );
      await outbox.retryLater(job.id, message, Date.now() + delay);
    }
  }

  /**
   * Runs due jobs, up to `batchSize` at a time, until none is left: more are claimed once half the slots
   * are free, so one slow job (a webhook endpoint taking seconds) does not hold up the nine beside it.
   */
  async function drainOnce(): Promise<number> {
    let total = 0;
    /** A job whose outcome could not be recorded (the database is gone): no more are claimed. */
    let failure: { error: unknown } | undefined;
    const running = new Set<Promise<void>>();
    const refill = Math.max(1, Math.floor(batchSize / 2));
    while (!stopping && !failure) {
      const free = batchSize - running.size;
      if (free >= refill || running.size === 0) {
        const jobs = await outbox.claim(free, options.leaseMs);
        total += jobs.length;
        for (const job of jobs) {
          const under: Promise<void> = run(job)
            .catch((error: unknown) => {
              failure ??= { error };
            })
            .finally(() => running.delete(under));
          running.add(under);
        }
        if (jobs.length === 0 && running.size === 0) break;
        if (jobs.length === free) continue;
      }
      await Promise.race(running);
    }
    await Promise.all(running);
    if (failure) throw failure.error;
    return total;
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
    }, options.pollMs);
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
      stopping = true;
      if (timer) clearTimeout(timer);
      try {
        await running?.catch(() => 0);
      } finally {
        stopping = false;
      }
    },
  };
}
