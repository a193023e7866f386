// `keyturn jobs list` and `keyturn webhooks …`: what the outbox holds (waiting, retrying, given up on,
// done), the delivery log of webhooks, and replaying a job (same id, so the same webhook-id).
import { parseArgs } from 'node:util';
import { type JobState, jobStates, type ListedJob } from '../../outbox/store.ts';
import type { WebhookDelivery } from '../../storage/webhook-deliveries.ts';
import { type Command, count, isoTime, UsageError } from '../command.ts';

const presentJob = (job: ListedJob) => ({
  id: job.id,
  kind: job.kind,
  state: job.state,
  attempts: job.attempts,
  last_error: job.lastError,
  run_at: isoTime(job.runAt),
  done_at: isoTime(job.doneAt),
  created_at: isoTime(job.createdAt),
});

const presentDelivery = (delivery: WebhookDelivery) => ({
  job_id: delivery.jobId,
  webhook_id: delivery.webhookId,
  client_id: delivery.clientId,
  event_type: delivery.eventType,
  url: delivery.url,
  status_code: delivery.statusCode,
  error: delivery.error,
  duration_ms: delivery.durationMs,
  attempted_at: isoTime(delivery.attemptedAt),
});

export const jobCommands: Record<string, Command> = {
  'jobs list': {
    usage: 'jobs list [--state waiting|retrying|abandoned|done] [--kind KIND] [--limit N]',
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: { state: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' } },
        strict: true,
      });
      const state = values.state as JobState | undefined;
      if (state !== undefined && !jobStates.includes(state))
        throw new UsageError(`--state must be one of ${jobStates.join(', ')}`);
      const outbox = container.repositories.outbox;
      const jobs = await outbox.list({ state, kind: values.kind, limit: count(values.limit, '--limit', 50) });
      return { counts: await outbox.counts(), jobs: jobs.map(presentJob) };
    },
  },
  'webhooks list': {
    usage: 'webhooks list [--app CLIENT_ID] [--limit N]',
    async run(container, args) {
      const { values } = parseArgs({
        args,
        options: { app: { type: 'string' }, limit: { type: 'string' } },
        strict: true,
      });
      const deliveries = await container.repositories.webhookDeliveries.list({
        clientId: values.app,
        limit: count(values.limit, '--limit', 50),
      });
      return deliveries.map(presentDelivery);
    },
  },
  'webhooks replay': {
    usage: 'webhooks replay JOB_ID',
    async run(container, args) {
      const jobId = Number(args[0]);
      if (!Number.isInteger(jobId) || jobId <= 0)
        throw new UsageError('webhooks replay needs a JOB_ID (see webhooks list)');
      if (!(await container.repositories.outbox.replay(jobId)))
        throw new UsageError(`no outbox job ${jobId}`);
      return { replayed: jobId };
    },
  },
};
