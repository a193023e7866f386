// Fixed SQL for the hot write paths (callbacks, the token endpoint), without knex's query builder, which
// costs several times the statement itself (DESIGN.md). SQLite: the statement is prepared once per
// connection and runs synchronously on the ambient transaction's connection, or on the pooled one.
// PostgreSQL: `knex.raw` on the ambient transaction or the pool. Either way it joins the unit of work.

import type Sqlite from 'better-sqlite3';
import type { Knex } from 'knex';
import { defaultLockTimeoutMs, isBusy, prepared, whenUnlocked } from './sqlite-client.ts';
import {
  connectionsOf,
  executor,
  runsOnSqlite,
  sqliteWriterIsIdle,
  transactionSqliteConnection,
} from './transaction.ts';

type Value = string | number | null;

export interface Statement<Row> {
  /** The first row (a select, or a write with `returning`). */
  get(...values: Value[]): Promise<Row | undefined>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(...values: Value[]): Promise<number>;
}

const sqliteConnections = new WeakMap<Knex, Sqlite.Database>();

/**
 * SQLite's one pooled connection when it is idle. A statement runs synchronously, so it may use the
 * connection without the pool's acquire and release, which cost more than a short statement.
 */
function idleSqliteConnection(knex: Knex): Sqlite.Database | undefined {
  const connection = sqliteConnections.get(knex);
  return connection?.open && sqliteWriterIsIdle(knex) ? connection : undefined;
}

/** `sql` uses `?` placeholders; give both engines' text when they differ (e.g. `for update`). */
export function statement<Row>(
  knex: Knex,
  sql: string | { sqlite: string; postgres: string },
): Statement<Row> {
  const engine = runsOnSqlite(knex) ? 'sqlite' : 'postgres';
  const text = typeof sql === 'string' ? sql : sql[engine];
  if (engine === 'postgres') {
    const query = async (values: Value[]) =>
      (await executor(knex).raw(text, values)) as { rows: Row[]; rowCount: number | null };
    return {
      get: async (...values) => (await query(values)).rows[0],
      run: async (...values) => (await query(values)).rowCount ?? 0,
    };
  }
  // Inside a transaction the statement runs at once on the transaction's connection; outside, on the pool's
  // single SQLite connection: directly when it is idle, else borrowed from the pool, and held while the
  // statement waits for another process's lock (see whenUnlocked).
  const timeoutMs = (knex.client.config as { lockTimeoutMs?: number }).lockTimeoutMs ?? defaultLockTimeoutMs;
  const onConnection = async <T>(work: (statement: Sqlite.Statement) => T): Promise<T> => {
    const inTransaction = transactionSqliteConnection();
    if (inTransaction) return whenUnlocked(() => work(prepared(inTransaction, text)), timeoutMs);
    const idle = idleSqliteConnection(knex);
    if (idle) {
      try {
        return work(prepared(idle, text));
      } catch (error) {
        if (!isBusy(error)) throw error;
      }
    }
    const pool = connectionsOf<Sqlite.Database>(knex);
    const connection = await pool.acquireConnection();
    sqliteConnections.set(knex, connection);
    try {
      return await whenUnlocked(() => work(prepared(connection, text)), timeoutMs);
    } finally {
      await pool.releaseConnection(connection);
    }
  };
  return {
    get: (...values) => onConnection((s) => s.get(values) as Row | undefined),
    run: (...values) => onConnection((s) => s.run(values).changes),
  };
}
