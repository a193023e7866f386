// The delivery log of outbound webhooks, one row per attempt, for operators and app developers.
import type { Knex } from 'knex';
import { deleteOlderThan } from '../db/delete-older-than.ts';
import type { Database } from '../db/index.ts';

export interface WebhookDelivery {
  clientId: string;
  jobId: number;
  webhookId: string;
  eventType: string;
  url: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: number;
}

export function webhookDeliveriesRepository(database: Database) {
  const knex = () => database.query();
  const insertAttempt = database.statement(
    `insert into webhook_deliveries (client_id, job_id, webhook_id, event_type, url, status_code, error,
      duration_ms, attempted_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return {
    async record(delivery: WebhookDelivery): Promise<void> {
      await insertAttempt.run(
        delivery.clientId,
        delivery.jobId,
        delivery.webhookId,
        delivery.eventType,
        delivery.url,
        delivery.statusCode,
        delivery.error,
        delivery.durationMs,
        delivery.attemptedAt,
      );
    },
    /** Deletes the attempts made before `before`, except those of a job still due (it may retry for long). */
    async sweep(before: number): Promise<number> {
      const ofJobsStillDue = (rows: Knex.QueryBuilder) =>
        rows.whereIn('job_id', knex()('outbox').select('id').whereNull('done_at'));
      return deleteOlderThan(knex(), 'webhook_deliveries', 'attempted_at', before, ofJobsStillDue);
    },
    /** Whether the outbox job `jobId` was ever delivered to `clientId` (a receiver may replay only its own). */
    async madeFor(clientId: string, jobId: number): Promise<boolean> {
      const row = await knex()('webhook_deliveries')
        .select('job_id')
        .where({ client_id: clientId, job_id: jobId })
        .first();
      return row !== undefined;
    },
    async list(filter: { clientId?: string; limit?: number } = {}): Promise<WebhookDelivery[]> {
      const query = knex()('webhook_deliveries')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 50);
      if (filter.clientId) query.where({ client_id: filter.clientId });
      return (await query).map((row) => ({
        clientId: row.client_id,
        jobId: Number(row.job_id),
        webhookId: row.webhook_id,
        eventType: row.event_type,
        url: row.url,
        statusCode: row.status_code,
        error: row.error,
        durationMs: row.duration_ms,
        attemptedAt: Number(row.attempted_at),
      }));
    },
    /**
     * The attempts that delivered (answered 2xx) the outbox jobs queued under `jobKeys` (their dedupe keys),
     * oldest first: which job, to which receiver, when.
     */
    async deliveredFor(jobKeys: string[]): Promise<DeliveredJob[]> {
      if (jobKeys.length === 0) return [];
      const rows: Array<{
        dedupe_key: string;
        client_id: string;
        event_type: string;
        attempted_at: unknown;
      }> = await knex()('webhook_deliveries as delivery')
        .join('outbox as job', 'job.id', 'delivery.job_id')
        .whereIn('job.dedupe_key', jobKeys)
        .whereNull('delivery.error')
        .andWhere('delivery.status_code', '>=', 200)
        .andWhere('delivery.status_code', '<', 300)
        .orderBy('delivery.id')
        .select('job.dedupe_key', 'delivery.client_id', 'delivery.event_type', 'delivery.attempted_at');
      return rows.map((row) => ({
        jobKey: row.dedupe_key,
        clientId: row.client_id,
        eventType: row.event_type,
        attemptedAt: Number(row.attempted_at),
      }));
    },
  };
}

export interface DeliveredJob {
  /** The outbox job's dedupe key. */
  jobKey: string;
  clientId: string;
  eventType: string;
  attemptedAt: number;
}

export type WebhookDeliveriesRepository = ReturnType<typeof webhookDeliveriesRepository>;
