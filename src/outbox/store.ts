// The transactional outbox: jobs written in the same transaction as the change that causes them, claimed
// by workers with a lease (rows other workers hold are skipped), retried with backoff, completed exactly
// once. A crash after commit loses nothing: the job is still there.
import { deleteOlderThan } from '../db/delete-older-than.ts';
import type { Database } from '../db/index.ts';

export interface OutboxJob {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

interface OutboxRow {
  id: number;
  kind: string;
  payload: string;
  attempts: number;
}

/** waiting: never tried yet; retrying: tried and due again; abandoned: given up on; done: completed. */
export const jobStates = ['waiting', 'retrying', 'abandoned', 'done'] as const;
export type JobState = (typeof jobStates)[number];

const stateSql = `(case when done_at is null and attempts = 0 then 'waiting'
  when done_at is null then 'retrying'
  when last_error like 'abandoned:%' then 'abandoned'
  else 'done' end)`;

export interface ListedJob {
  id: number;
  kind: string;
  state: JobState;
  attempts: number;
  runAt: number;
  doneAt: number | null;
  lastError: string | null;
  createdAt: number;
}

/** The unfinished jobs of one kind (waiting for their first attempt or for a retry). */
export interface KindBacklog {
  kind: string;
  jobs: number;
  /** When the oldest of them was queued (epoch ms). */
  oldestCreatedAt: number;
}

export function outboxStore(database: Database) {
  const knex = () => database.query();
  const insertJob = database.statement<{ id: number | string }>(
    `insert into outbox (kind, payload, dedupe_key, attempts, run_at, created_at) values (?, ?, ?, 0, ?, ?)
      on conflict (dedupe_key) do nothing returning id`,
  );
  // One statement claims: it takes the due jobs' lease and counts the attempt. Where instances race for
  // jobs, the rows it reads are locked and rows another worker holds are skipped. Ordered as the
  // (done_at, run_at) index is (every due job's done_at is null), so the index yields them in order and a
  // long queue is not sorted on every claim.
  const claimDue = database.statement<OutboxRow>(
    `update outbox set locked_until = ?, attempts = attempts + 1
      where id in (select id from outbox
        where done_at is null and run_at <= ? and (locked_until is null or locked_until <= ?)
        order by done_at, run_at limit ?${database.rowLock('for update skip locked')})
      returning id, kind, payload, attempts`,
  );
  const completeJob = database.statement(
    'update outbox set done_at = ?, locked_until = null, last_error = null where id = ?',
  );
  return {
    /**
     * Adds a job and resolves to its id; with a dedupe key, a second job with the same key is silently
     * dropped (undefined).
     */
    async enqueue(
      kind: string,
      payload: Record<string, unknown>,
      options: { dedupeKey?: string; runAt?: number } = {},
    ): Promise<number | undefined> {
      const now = Date.now();
      const row = await insertJob.get(
        kind,
        JSON.stringify(payload),
        options.dedupeKey ?? null,
        options.runAt ?? now,
        now,
      );
      return row === undefined ? undefined : Number(row.id);
    },

    /** Claims up to `limit` due jobs for `leaseMs`; a claimed job is invisible to other workers until then. */
    async claim(limit: number, leaseMs: number, now = Date.now()): Promise<OutboxJob[]> {
      const rows = await claimDue.all(now + leaseMs, now, now, limit);
      return rows
        .map((row) => ({
          id: Number(row.id),
          kind: row.kind,
          payload: JSON.parse(row.payload),
          attempts: row.attempts,
        }))
        .sort((a, b) => a.id - b.id);
    },

    async complete(id: number): Promise<void> {
      await completeJob.run(Date.now(), id);
    },

    async retryLater(id: number, error: string, runAt: number): Promise<void> {
      await knex()('outbox')
        .where({ id })
        .update({ run_at: runAt, locked_until: null, last_error: error.slice(0, 2000) });
    },

    /** Gives up on a job: it stays in the table, done, with its last error, for operators to replay. */
    async abandon(id: number, error: string): Promise<void> {
      await knex()('outbox')
        .where({ id })
        .update({
          done_at: Date.now(),
          locked_until: null,
          last_error: `abandoned: ${error}`.slice(0, 2000),
        });
    },

    /** Puts a finished or abandoned job back in the queue (operators' replay); same id, so same webhook-id. */
    async replay(id: number): Promise<boolean> {
      const updated = await knex()('outbox')
        .where({ id })
        .update({ done_at: null, locked_until: null, run_at: Date.now(), attempts: 0 });
      return updated === 1;
    },

    /** Deletes the jobs finished or given up on before `before`; a job still due or retrying is kept. */
    async sweepFinished(before: number): Promise<number> {
      return deleteOlderThan(knex(), 'outbox', 'done_at', before);
    },

    /** How many jobs wait (never tried, or retrying), were given up on, or are done; for operators. */
    async counts(): Promise<Record<JobState, number>> {
      const rows = (await knex()('outbox')
        .select(knex().raw(`${stateSql} as state`))
        .count({ count: '*' })
        .groupByRaw(stateSql)) as Array<{ state: JobState; count: number | string }>;
      const counts: Record<JobState, number> = { waiting: 0, retrying: 0, abandoned: 0, done: 0 };
      for (const row of rows) counts[row.state] = Number(row.count);
      return counts;
    },

    /** The newest jobs in `state` (all when undefined), of one kind or all. */
    async list(options: { state?: JobState; kind?: string; limit: number }): Promise<ListedJob[]> {
      const query = knex()('outbox')
        .select(
          'id',
          'kind',
          'attempts',
          'run_at',
          'done_at',
          'last_error',
          'created_at',
          knex().raw(`${stateSql} as state`),
        )
        .orderBy('id', 'desc')
        .limit(options.limit);
      if (options.state) query.whereRaw(`${stateSql} = ?`, [options.state]);
      if (options.kind) query.andWhere({ kind: options.kind });
      const rows = (await query) as Array<Record<string, unknown>>;
      return rows.map((row) => ({
        id: Number(row.id),
        kind: String(row.kind),
        state: row.state as JobState,
        attempts: Number(row.attempts),
        runAt: Number(row.run_at),
        doneAt: row.done_at === null ? null : Number(row.done_at),
        lastError: (row.last_error as string | null) ?? null,
        createdAt: Number(row.created_at),
      }));
    },

    /**
     * The unfinished jobs per kind and when the oldest of them was queued, in one grouped query; a kind with
     * none is left out.
     */
    async backlogByKind(): Promise<KindBacklog[]> {
      const rows = (await knex()('outbox')
        .whereNull('done_at')
        .groupBy('kind')
        .select('kind')
        .count({ jobs: '*' })
        .min({ oldest: 'created_at' })) as Array<{
        kind: string;
        jobs: number | string;
        oldest: number | string;
      }>;
      return rows.map((row) => ({
        kind: row.kind,
        jobs: Number(row.jobs),
        oldestCreatedAt: Number(row.oldest),
      }));
    },

    async pending(kind?: string): Promise<number> {
      const query = knex()('outbox').whereNull('done_at');
      if (kind) query.andWhere({ kind });
      const [row] = await query.count<{ count: number | string }[]>({ count: '*' });
      return Number(row?.count ?? 0);
    },
  };
}

export type OutboxStore = ReturnType<typeof outboxStore>;
