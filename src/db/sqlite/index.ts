// SQLite, the embedded engine: one file in WAL mode, one pooled writer connection (SQLite has one writer),
// a read-only connection of its own for committed reads on hot paths (WAL lets it read while the writer
// writes), passive checkpoints in a worker thread, statements prepared once per connection and run on it
// directly, and a cache of rows this process alone writes.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Sqlite from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import type { CachedRows, Database, DatabaseOptions, Statement, Value } from '../database.ts';
import { connectionsOf, poolIsIdle } from '../knex-internals.ts';
import { migrateToLatest, pendingMigrations } from '../migrate.ts';
import { boundedRows } from '../row-cache.ts';
import { isDatabaseUnavailable } from '../unavailable.ts';
import { unitOfWork } from '../unit-of-work.ts';
import { isBusy, lockWaiting } from './busy.ts';
import { CachingBetterSqlite3Client, prepared } from './client.ts';
import { fallbackCheckpointPages, startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.ts';

/**
 * The writer's page cache, in KiB (negative, as SQLite counts it): SQLite's own default of 2 MB, not the
 * 16 MB better-sqlite3 builds in. When an insert splits a page, SQLite renumbers the new pages through the
 * lock-byte page number, and the commit then walks the cache's whole hash table: such commits cost time in
 * proportion to the cache's size, more than the smaller cache's extra misses (served by the OS page cache).
 */
const writerCacheSize = -2000;

export const defaultLockTimeoutMs = 5_000;

export function openSqlite(options: DatabaseOptions): Database {
  const file = options.sqliteFile;
  const inMemory = file === ':memory:';
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const locks = lockWaiting(options.sqliteLockTimeoutMs ?? defaultLockTimeoutMs);
  let checkpointer: WalCheckpointer | undefined;
  let writer: Sqlite.Database | undefined;
  const pooled: Knex = knex({
    client: CachingBetterSqlite3Client as unknown as typeof knex.Client,
    connection: { filename: file },
    useNullAsDefault: true,
    // Read by the client (knex keeps its configuration whole on the client).
    ...({ lockWaiting: locks } as object),
    pool: {
      min: 1,
      max: 1,
      afterCreate(raw: Sqlite.Database, done: (error: Error | null, connection: unknown) => void) {
        raw.pragma('journal_mode = WAL');
        raw.pragma('synchronous = NORMAL');
        raw.pragma('foreign_keys = ON');
        // Never wait on the event loop for another connection's lock (see ./busy.ts).
        raw.pragma('busy_timeout = 0');
        raw.pragma(`cache_size = ${writerCacheSize}`);
        raw.pragma(`wal_autocheckpoint = ${fallbackCheckpointPages}`);
        writer = raw;
        if (!inMemory)
          checkpointer ??= startWalCheckpointer(file, {
            onError: (message) =>
              options.onBackgroundError?.(`SQLite background checkpoint failed: ${message}`),
            pauseWrites: holdTheWriter,
          });
        done(null, raw);
      },
    },
  });

  /** Takes the one writer connection, so no query runs on it until the returned function is called. */
  async function holdTheWriter(): Promise<() => void> {
    const pool = connectionsOf(pooled);
    const held = await pool.acquireConnection();
    return () => void pool.releaseConnection(held);
  }

  const run = (connection: Sqlite.Database, sql: string) =>
    locks.whenUnlocked(() => void prepared(connection, sql).run());
  // Every transaction here writes, so it begins IMMEDIATE: it takes the write lock at once (waiting,
  // asynchronously, while another process holds it), and no statement inside can then be refused for it.
  const units = unitOfWork<Sqlite.Database>(pooled, {
    begin: (connection) => run(connection, 'BEGIN IMMEDIATE'),
    commit: (connection) => run(connection, 'COMMIT'),
    rollback: (connection) => run(connection, 'ROLLBACK'),
  });

  /**
   * Runs `work` on the caller's transaction's connection, else on the writer: at once while nothing uses it
   * (a synchronous statement needs no turn at the pool, which would cost more than it), else borrowed from
   * the pool and held while the statement waits for another process's lock.
   */
  async function onWriter<T>(sql: string, work: (statement: Sqlite.Statement) => T): Promise<T> {
    // A transaction holds the write lock from its start: nothing inside it waits for a lock.
    const transaction = units.current();
    if (transaction) return work(prepared(transaction.connection, sql));
    if (writer?.open && poolIsIdle(pooled)) {
      try {
        return work(prepared(writer, sql));
      } catch (error) {
        if (!isBusy(error)) throw error;
      }
    }
    const pool = connectionsOf<Sqlite.Database>(pooled);
    const connection = await pool.acquireConnection();
    try {
      return await locks.whenUnlocked(() => work(prepared(connection, sql)));
    } finally {
      await pool.releaseConnection(connection);
    }
  }

  function statement<Row>(sql: string): Statement<Row> {
    return {
      get: (...values: Value[]) => onWriter(sql, (s) => s.get(values) as Row | undefined),
      all: (...values: Value[]) => onWriter(sql, (s) => s.all(values) as Row[]),
      run: (...values: Value[]) => onWriter(sql, (s) => s.run(values).changes),
    };
  }

  // Opened on first use: the file and its tables exist by then.
  let reader: Sqlite.Database | undefined;
  function readerConnection(): Sqlite.Database {
    if (!reader) {
      // Required here rather than imported: a PostgreSQL deployment never loads the native driver.
      const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof Sqlite;
      reader = new Driver(file, { readonly: true, fileMustExist: true });
      reader.pragma('busy_timeout = 0');
    }
    return reader;
  }

  function readStatement<Row>(sql: string): Statement<Row> {
    const inTransaction = statement<Row>(sql);
    let onReaderConnection: Sqlite.Statement | undefined;
    const onReader = <T>(work: (s: Sqlite.Statement) => T): Promise<T> => {
      onReaderConnection ??= readerConnection().prepare(sql);
      const ready = onReaderConnection;
      return locks.whenUnlocked(() => work(ready));
    };
    return {
      get: (...values: Value[]) =>
        units.active() ? inTransaction.get(...values) : onReader((s) => s.get(values) as Row | undefined),
      all: (...values: Value[]) =>
        units.active() ? inTransaction.all(...values) : onReader((s) => s.all(values) as Row[]),
      run: () => Promise.reject(new Error('a read statement does not write')),
    };
  }

  const caches = new Map<string, { load: string; rows: CachedRows<unknown> }>();
  function cachedRows<Row>(name: string, options: { capacity: number; load: string }): CachedRows<Row> {
    const existing = caches.get(name);
    if (existing) {
      if (existing.load !== options.load) throw new Error(`cached rows ${name} are loaded by other SQL`);
      return existing.rows as CachedRows<Row>;
    }
    const rows = boundedRows<Row>(
      { inTransaction: () => units.active(), writerIsIdle: () => poolIsIdle(pooled) },
      options.capacity,
      { inTransaction: statement<Row>(options.load), committed: readStatement<Row>(options.load) },
    );
    caches.set(name, { load: options.load, rows: rows as CachedRows<unknown> });
    return rows;
  }

  return {
    engine: 'sqlite',
    writeConcurrency: 1,
    query: () => units.boundKnex() ?? pooled,
    statement,
    readStatement,
    cachedRows,
    // One writer at a time, and every transaction holds the write lock from its start: rows never race.
    rowLock: () => '',
    transaction: (work) => units.run(work),
    inTransaction: () => units.active(),
    outsideTransaction: (work) => units.outside(work),
    // One server process per database file: limits count in its memory.
    sharedCounters: () => undefined,
    isUnavailable: isDatabaseUnavailable,
    migrate: () => migrateToLatest(pooled),
    pendingMigrations: () => pendingMigrations(pooled),
    ping: async () => {
      await pooled.raw('select 1');
    },
    lockWaits: () => locks.waits(),
    async close() {
      reader?.close();
      await pooled.destroy();
      await checkpointer?.stop();
    },
  };
}
