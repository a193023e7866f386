// PostgreSQL, for many Keyturn instances on one database: statements run on a pooled connection (or the
// caller's transaction's) directly as named prepared statements, which PostgreSQL plans once per
// connection, without knex's query path; no row cache (other instances write the same rows); rows locked
// by `select … for update`. Committed reads on hot paths (introspection, client authentication) take their
// connection from a second, plain pg pool: knex's pool does more per checkout (a timeout, a validation),
// which on the introspection path costs more than a pool of its own (measured in docs/performance.md).
import { createHash } from 'node:crypto';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Database, DatabaseOptions, RowLock, Statement, Value } from './database.ts';
import { connectionsOf, type PoolUse, poolUse } from './knex-internals.ts';
import { migrateToLatest, pendingMigrations } from './migrate.ts';
import { uncachedRows } from './row-cache.ts';
import { isDatabaseUnavailable } from './unavailable.ts';
import { unitOfWork } from './unit-of-work.ts';

// PostgreSQL returns BIGINT as a string; Keyturn's bigints are epoch milliseconds and ids, safe as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

type Connection = pg.Client;

export type { PoolUse };

const poolUses = new WeakMap<Database, () => Record<'main' | 'reads', PoolUse>>();

/**
 * The use of a PostgreSQL database's two pools (`main`: knex's, for writes and transactions; `reads`: the
 * committed reads on hot paths); undefined for an engine without a pool (SQLite).
 */
export function poolUseOf(database: Database): Record<'main' | 'reads', PoolUse> | undefined {
  return poolUses.get(database)?.();
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`, … */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

export function openPostgres(options: DatabaseOptions & { databaseUrl: string }): Database {
  const report = (message: unknown) => options.onBackgroundError?.(String(message));
  const pooled: Knex = knex({
    client: 'pg',
    connection: options.databaseUrl,
    pool: { min: 0, max: 10 },
    // knex reports a connection the server ended (a restart, a failover) as a warning on the console; the
    // pool drops it and the next query connects anew. Into Keyturn's log instead.
    log: { warn: report, error: report, deprecate: () => {}, debug: () => {} },
  });
  const readers = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
  // An idle connection the server ended emits 'error': the pool drops it, the next query connects anew.
  readers.on('error', (error) => options.onBackgroundError?.('an idle database connection failed', error));
  const units = unitOfWork<Connection>(pooled, {
    begin: async (connection) => void (await connection.query('BEGIN')),
    commit: async (connection) => void (await connection.query('COMMIT')),
    rollback: async (connection) => void (await connection.query('ROLLBACK')),
  });

  const prepared = (sql: string) => ({
    name: `keyturn_${createHash('sha256').update(sql).digest('base64url').slice(0, 20)}`,
    text: numbered(sql),
  });

  function statement<Row>(sql: string): Statement<Row> {
    const query = prepared(sql);
    const run = async (values: Value[]) => {
      const transaction = units.current();
      if (transaction) return transaction.connection.query<Row & pg.QueryResultRow>({ ...query, values });
      const pool = connectionsOf<Connection>(pooled);
      const connection = await pool.acquireConnection();
      try {
        return await connection.query<Row & pg.QueryResultRow>({ ...query, values });
      } finally {
        await pool.releaseConnection(connection);
      }
    };
    return {
      get: async (...values: Value[]) => (await run(values)).rows[0],
      all: async (...values: Value[]) => (await run(values)).rows,
      run: async (...values: Value[]) => (await run(values)).rowCount ?? 0,
    };
  }

  function readStatement<Row>(sql: string): Statement<Row> {
    const inTransaction = statement<Row>(sql);
    const query = prepared(sql);
    const read = (values: Value[]) => readers.query<Row & pg.QueryResultRow>({ ...query, values });
    return {
      get: async (...values: Value[]) =>
        units.active() ? inTransaction.get(...values) : (await read(values)).rows[0],
      all: async (...values: Value[]) =>
        units.active() ? inTransaction.all(...values) : (await read(values)).rows,
      run: () => Promise.reject(new Error('a read statement does not write')),
    };
  }

  const database: Database = {
    engine: 'postgres',
    writeConcurrency: 2,
    query: () => units.boundKnex() ?? pooled,
    statement,
    readStatement,
    cachedRows: <Row>(_name: string, options: { capacity: number; load: string }) =>
      uncachedRows<Row>(
        { inTransaction: statement<Row>(options.load), committed: statement<Row>(options.load) },
        () => units.active(),
      ),
    rowLock: (kind: RowLock) => ` ${kind}`,
    transaction: (work) => units.run(work),
    inTransaction: () => units.active(),
    outsideTransaction: (work) => units.outside(work),
    sharedCounters: () => pooled,
    isUnavailable: isDatabaseUnavailable,
    migrate: () => migrateToLatest(pooled),
    pendingMigrations: () => pendingMigrations(pooled),
    ping: async () => {
      await pooled.raw('select 1');
    },
    lockWaits: () => 0,
    async close() {
      await readers.end();
      await pooled.destroy();
    },
  };
  poolUses.set(database, () => {
    return {
      main: poolUse(pooled) ?? { used: 0, free: 0, pending: 0 },
      reads: {
        used: readers.totalCount - readers.idleCount,
        free: readers.idleCount,
        pending: readers.waitingCount,
      },
    };
  });
  return database;
}
