// Gauges read from the database when Prometheus scrapes, never per request: the outbox's unfinished jobs
// and the age of the oldest per kind (one grouped query for both), the clearances per status (one grouped
// query), and, on PostgreSQL, the use of the connection pools (SQLite has no pool: those gauges stay out).
// The queries are the repositories'; this module only shapes their answers into gauges.
import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/index.ts';
import { type PoolUse, poolUseOf } from '../db/postgres.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { ClearancesRepository } from '../storage/clearances.ts';

/** What the gauges read: the repositories that own the counted tables, and the database for its pools. */
export interface StorageGaugeSources {
  clearances: Pick<ClearancesRepository, 'countByStatus'>;
  outbox: Pick<OutboxStore, 'backlogByKind'>;
  database: Database;
}

/** One load shared by every gauge collected in the same scrape (prom-client collects them together). */
function sharedPerScrape<T>(load: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

export function registerStorageGauges(
  registry: Registry,
  sources: StorageGaugeSources,
  jobKinds: readonly string[],
) {
  const { clearances, outbox, database } = sources;
  const registers = [registry];
  const outboxBacklog = sharedPerScrape(() => outbox.backlogByKind());

  new Gauge({
    name: 'keyturn_outbox_jobs',
    help: 'Outbox jobs not finished yet (waiting for their first attempt or for a retry), by kind.',
    labelNames: ['kind'] as const,
    registers,
    async collect() {
      const backlog = await outboxBacklog();
      this.reset();
      for (const kind of jobKinds) this.set({ kind }, 0);
      for (const row of backlog) this.set({ kind: row.kind }, row.jobs);
    },
  });

  new Gauge({
    name: 'keyturn_outbox_oldest_job_age_seconds',
    help: 'Seconds since the oldest unfinished outbox job of each kind was queued (0: none unfinished).',
    labelNames: ['kind'] as const,
    registers,
    async collect() {
      const backlog = await outboxBacklog();
      const now = Date.now();
      this.reset();
      for (const kind of jobKinds) this.set({ kind }, 0);
      for (const row of backlog)
        this.set({ kind: row.kind }, Math.max(0, (now - row.oldestCreatedAt) / 1000));
    },
  });

  new Gauge({
    name: 'keyturn_clearances',
    help: 'Clearances by status.',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const counts = await clearances.countByStatus();
      this.reset();
      for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
    },
  });

  if (poolUseOf(database) === undefined) return;
  const poolGauge = (name: string, help: string, read: (use: PoolUse) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'] as const,
      registers,
      collect() {
        const use = poolUseOf(database);
        if (!use) return;
        for (const [pool, counts] of Object.entries(use)) this.set({ pool }, read(counts));
      },
    });
  poolGauge('keyturn_db_pool_connections_used', 'Database connections in use, by pool.', (use) => use.used);
  poolGauge('keyturn_db_pool_connections_free', 'Idle database connections, by pool.', (use) => use.free);
  poolGauge(
    'keyturn_db_pool_pending_acquires',
    'Requests waiting for a database connection, by pool.',
    (use) => use.pending,
  );
}
