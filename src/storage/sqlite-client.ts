// knex's better-sqlite3 client, with prepared statements cached per connection: knex prepares every
// statement again on each query, which costs more than running it on Keyturn's short, repeated queries.
// The cache is bounded (SQL text varies with list lengths) and dropped with its connection.
//
// better-sqlite3 waits for another connection's lock synchronously, on the event loop: with SQLite's busy
// timeout every request would freeze while another process (a `keyturn worker`, the CLI) writes. So the
// connections wait for nothing (busy_timeout 0) and a statement refused with SQLITE_BUSY is tried again
// after a short asynchronous pause, with backoff, until `lockTimeoutMs` has passed; then the error stands
// (it is answered 503, see unavailable.ts).
import { createRequire } from 'node:module';
import type Sqlite from 'better-sqlite3';

// knex ships its dialect clients as CommonJS without type declarations.
const BetterSqlite3Client: unknown = createRequire(import.meta.url)(
  'knex/lib/dialects/better-sqlite3/index.js',
);

const maxStatements = 500;

/** How long a statement keeps trying while another connection holds the lock, unless configured. */
export const defaultLockTimeoutMs = 5_000;

const busyCodes = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']);
export const isBusy = (error: unknown) => busyCodes.has((error as { code?: string })?.code ?? '');

/** Times a statement had to wait for another connection's lock (for operators, and tests). */
let lockWaits = 0;
export const sqliteLockWaits = () => lockWaits;

/**
 * Runs `work` (one synchronous SQLite call), trying again after an asynchronous pause while another
 * connection holds the lock, for up to `timeoutMs`.
 */
export async function whenUnlocked<T>(work: () => T, timeoutMs = defaultLockTimeoutMs): Promise<T> {
  try {
    return work();
  } catch (error) {
    if (!isBusy(error)) throw error;
  }
  lockWaits++;
  const giveUpAt = Date.now() + timeoutMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= giveUpAt) throw error;
    }
  }
}
const caches = new WeakMap<object, Map<string, Sqlite.Statement>>();

/** The connection's prepared statement for `sql`, prepared on first use. */
export function prepared(connection: Sqlite.Database, sql: string): Sqlite.Statement {
  let cache = caches.get(connection);
  if (!cache) {
    cache = new Map();
    caches.set(connection, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = connection.prepare(sql);
    if (cache.size >= maxStatements) cache.delete(cache.keys().next().value as string);
    cache.set(sql, statement);
  }
  return statement;
}

interface QueryObject {
  sql?: string;
  bindings?: unknown[];
  options?: unknown;
  response?: unknown;
  context?: unknown;
}

export class CachingBetterSqlite3Client extends (BetterSqlite3Client as unknown as new (
  config: unknown,
) => {
  config: { lockTimeoutMs?: number };
  _formatBindings(bindings: unknown[] | undefined): unknown[];
  _optSafeIntegers(options: unknown): boolean | undefined;
}) {
  async _query(connection: Sqlite.Database, obj: QueryObject): Promise<QueryObject> {
    if (!obj.sql) throw new Error('The query is empty');
    if (!connection) throw new Error('No connection provided');
    const statement = prepared(connection, obj.sql);
    const safeIntegers = this._optSafeIntegers(obj.options);
    if (safeIntegers !== undefined) statement.safeIntegers(safeIntegers);
    const bindings = this._formatBindings(obj.bindings);
    const timeoutMs = this.config.lockTimeoutMs;
    if (statement.reader) {
      obj.response = await whenUnlocked(() => statement.all(bindings), timeoutMs);
      return obj;
    }
    const response = await whenUnlocked(() => statement.run(bindings), timeoutMs);
    obj.response = response;
    obj.context = { lastID: response.lastInsertRowid, changes: response.changes };
    return obj;
  }
}
