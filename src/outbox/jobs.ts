// What a job kind is to the outbox: how to run one, and what giving up on one means. Each room that queues
// jobs (the relay, mail, webhooks) defines its kinds; the process that runs the worker puts them together
// in one registry. A kind's name is stored with each job, so it never changes.
import type { OutboxJob } from './store.ts';

export type JobHandler = (payload: Record<string, unknown>, job: OutboxJob) => Promise<void>;

export interface JobDefinition {
  run: JobHandler;
  /** Called once the job is given up on, so its consequence is recorded (e.g. the clearance's error). */
  abandoned?: (payload: Record<string, unknown>, job: OutboxJob, reason: string) => Promise<void>;
}

/** Job kind → its definition. */
export type JobRegistry = Record<string, JobDefinition>;

/** Thrown by a handler when retrying cannot help (the job is abandoned and kept for operators). */
export class PermanentJobFailure extends Error {}
