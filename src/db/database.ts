// The database engine behind one small interface: connections, transactions, prepared statements, the
// read connection and caches. SQLite (a file, the embedded default) and PostgreSQL (DATABASE_URL) sit side
// by side in ./sqlite/ and ./postgres.ts; one is chosen when the process opens its database. The
// repositories above query one way and never ask which engine they run on.
import type { Knex } from 'knex';

export type Engine = 'sqlite' | 'postgres';
export type Value = string | number | null;

/** Fixed SQL with `?` placeholders, prepared once and run on the caller's transaction or the pool. */
export interface Statement<Row> {
  /** The first row (a select, or a write with `returning`). */
  get(...values: Value[]): Promise<Row | undefined>;
  all(...values: Value[]): Promise<Row[]>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(...values: Value[]): Promise<number>;
}

/**
 * Rows read again and again by key (a journey's progress, an interaction), kept where the engine can keep
 * them exactly. Writes to those rows go through here, so no write can leave a stale row behind.
 */
export interface CachedRows<Row> {
  get(key: string): Promise<Row | undefined>;
  /** Runs a write of the row under `key`. */
  write(key: string, statement: Statement<unknown>, ...values: Value[]): Promise<number>;
  /** Runs a write that may touch any of the rows (a sweep). */
  writeAny(statement: Statement<unknown>, ...values: Value[]): Promise<number>;
}

export type RowLock = 'for update' | 'for update skip locked';

/** What commands need of the database: their own transaction (the repositories do the rest). */
export type Transactions = Pick<Database, 'transaction' | 'outsideTransaction'>;

export interface Database {
  readonly engine: Engine;
  /**
   * How many write-heavy requests at once keep the engine busy: SQLite writes one at a time on this
   * process's thread, PostgreSQL waits on the network between statements.
   */
  readonly writeConcurrency: number;
  /** knex's query builder, on the caller's transaction when there is one. */
  query(): Knex;
  /** SQL for writes, and for reads that must see the caller's own writes. */
  statement<Row>(sql: string): Statement<Row>;
  /**
   * SQL reading committed rows on a hot path: outside a transaction on a connection of its own where the
   * engine has one (SQLite's read-only connection), inside one on the transaction.
   */
  readStatement<Row>(sql: string): Statement<Row>;
  /** Rows of `name` by key, loaded by `load` (one `?`, the key), cached as the engine allows. */
  cachedRows<Row>(name: string, options: { capacity: number; load: string }): CachedRows<Row>;
  /** The clause that locks the rows a select reads until the transaction ends ('' where writes never race). */
  rowLock(kind: RowLock): string;
  /** Runs `work` in one transaction (or in the caller's, which it then joins). */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  inTransaction(): boolean;
  /** Runs `work` outside the caller's transaction (for work that must not join it). */
  outsideTransaction<T>(work: () => T): T;
  /** Where limits shared by every instance are counted; undefined where one process owns the database. */
  sharedCounters(): Knex | undefined;
  /** Whether `error` means the database cannot be reached right now (answer 503, try again). */
  isUnavailable(error: unknown): boolean;
  migrate(): Promise<string[]>;
  pendingMigrations(): Promise<number>;
  ping(): Promise<void>;
  /** How often a statement had to wait for another connection's lock. */
  lockWaits(): number;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…` selects PostgreSQL; undefined selects the SQLite file. */
  databaseUrl: string | undefined;
  sqliteFile: string;
  /** SQLite: how long a statement keeps trying while another process holds the file's write lock. */
  sqliteLockTimeoutMs?: number;
  /** Problems the engine reports in the background (a failed checkpoint, an idle connection that died). */
  onBackgroundError?: (message: string, error?: unknown) => void;
}
