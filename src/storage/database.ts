// Opens the one database Keyturn keeps its state in: a SQLite file (WAL) by default, PostgreSQL when
// DATABASE_URL is set. Everything engine-specific about connections lives here.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import { type HotReads, postgresHotReads, sqliteHotReads } from './hot-reads.ts';
import { CachingBetterSqlite3Client, defaultLockTimeoutMs } from './sqlite-client.ts';
import { connectionsOf } from './transaction.ts';
import { fallbackCheckpointPages, startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.ts';

// PostgreSQL returns BIGINT as a string; Keyturn's bigints are epoch milliseconds and ids, safe as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export type Engine = 'sqlite' | 'postgres';

export interface Database {
  knex: Knex;
  engine: Engine;
  /** Prepared-statement reads for hot paths; opened on first use (the SQLite file must exist by then). */
  hot(): HotReads;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  sqliteFile: string;
  /** SQLite's background WAL checkpoints failing (they are retried; the WAL grows meanwhile). */
  onCheckpointError?: (message: string) => void;
  /** A pooled connection that was idle failed (the server ended it); the pool replaces it. */
  onConnectionError?: (error: Error) => void;
  /** SQLite: how long a statement keeps trying while another process holds the lock. */
  lockTimeoutMs?: number;
}

export function openDatabase(options: DatabaseOptions): Database {
  const db = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.onConnectionError)
    : openSqlite(options.sqliteFile, options.onCheckpointError, options.lockTimeoutMs);
  let hot: HotReads | undefined;
  return {
    ...db,
    hot() {
      hot ??= options.databaseUrl
        ? postgresHotReads(options.databaseUrl, options.onConnectionError)
        : sqliteHotReads(options.sqliteFile, options.lockTimeoutMs);
      return hot;
    },
    async close() {
      await hot?.close();
      await db.knex.destroy();
      await db.stopBackgroundWork?.();
    },
  };
}

interface OpenedDatabase extends Pick<Database, 'knex' | 'engine'> {
  stopBackgroundWork?: () => Promise<void>;
}

/**
 * The writer's page cache, in KiB (negative, as SQLite counts it): SQLite's own default of 2 MB, not the
 * 16 MB better-sqlite3 builds in. When an insert splits a page, SQLite renumbers the new pages through the
 * lock-byte page number, and the commit then walks the cache's whole hash table: such commits cost time in
 * proportion to the cache's size. The smaller cache makes the writer's reads miss more often (the OS page
 * cache serves them), but an exchange still cost 6–7% less CPU with it in paired runs.
 */
const writerCacheSize = -2000;

function openSqlite(
  file: string,
  onCheckpointError?: (message: string) => void,
  lockTimeoutMs = defaultLockTimeoutMs,
): OpenedDatabase {
  const inMemory = file === ':memory:';
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  let checkpointer: WalCheckpointer | undefined;
  const connection = knex({
    client: CachingBetterSqlite3Client as unknown as typeof knex.Client,
    connection: { filename: file },
    useNullAsDefault: true,
    // Read by the client and by statements (knex keeps its configuration whole on the client).
    ...({ lockTimeoutMs } as object),
    pool: {
      min: 1,
      max: 1,
      afterCreate(
        raw: { pragma(statement: string): unknown },
        done: (error: Error | null, connection: unknown) => void,
      ) {
        raw.pragma('journal_mode = WAL');
        raw.pragma('synchronous = NORMAL');
        raw.pragma('foreign_keys = ON');
        // Never wait on the event loop for another connection's lock (see sqlite-client.ts whenUnlocked).
        raw.pragma('busy_timeout = 0');
        raw.pragma(`cache_size = ${writerCacheSize}`);
        raw.pragma(`wal_autocheckpoint = ${fallbackCheckpointPages}`);
        if (!inMemory)
          checkpointer ??= startWalCheckpointer(file, {
            onError: onCheckpointError,
            pauseWrites: () => holdTheConnection(connection),
          });
        done(null, raw);
      },
    },
  });
  return { knex: connection, engine: 'sqlite', stopBackgroundWork: async () => checkpointer?.stop() };
}

/** Takes SQLite's one pooled connection, so no query runs on it until the returned function is called. */
async function holdTheConnection(connection: Knex): Promise<() => void> {
  const pool = connectionsOf(connection);
  const held = await pool.acquireConnection();
  return () => void pool.releaseConnection(held);
}

function openPostgres(url: string, onConnectionError?: (error: Error) => void): OpenedDatabase {
  const warn = (message: unknown) => onConnectionError?.(new Error(String(message)));
  const connection = knex({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: 10 },
    // knex reports a connection the server ended as a warning on the console: into Keyturn's log instead.
    log: { warn, error: warn, deprecate: () => {}, debug: () => {} },
  });
  return { knex: connection, engine: 'postgres' };
}
