// knex's better-sqlite3 client with prepared statements cached per connection (knex prepares every
// statement again on each query, which costs more than running Keyturn's short, repeated queries), and
// with the lock waiting of ./busy.ts. The cache is bounded (SQL text varies with list lengths) and dropped
// with its connection.
import type Sqlite from 'better-sqlite3';
import { BetterSqlite3Client } from '../knex-internals.ts';
import type { LockWaiting } from './busy.ts';

const maxStatements = 500;
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

export interface CachingClientConfig {
  /** Set by the database before any query runs. */
  lockWaiting: LockWaiting;
}

export class CachingBetterSqlite3Client extends (BetterSqlite3Client as new (
  config: unknown,
) => {
  config: CachingClientConfig;
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
    const { lockWaiting } = this.config;
    if (statement.reader) {
      obj.response = await lockWaiting.whenUnlocked(() => statement.all(bindings));
      return obj;
    }
    const response = await lockWaiting.whenUnlocked(() => statement.run(bindings));
    obj.response = response;
    obj.context = { lastID: response.lastInsertRowid, changes: response.changes };
    return obj;
  }
}
