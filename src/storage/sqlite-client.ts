// knex's better-sqlite3 client, with prepared statements cached per connection: knex prepares every
// statement again on each query, which costs more than running it on Keyturn's short, repeated queries.
// The cache is bounded (SQL text varies with list lengths) and dropped with its connection.
import { createRequire } from 'node:module';
import type Sqlite from 'better-sqlite3';

// knex ships its dialect clients as CommonJS without type declarations.
const BetterSqlite3Client: unknown = createRequire(import.meta.url)(
  'knex/lib/dialects/better-sqlite3/index.js',
);

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

export class CachingBetterSqlite3Client extends (BetterSqlite3Client as unknown as new (
  config: unknown,
) => {
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
    if (statement.reader) {
      obj.response = statement.all(bindings);
      return obj;
    }
    const response = statement.run(bindings);
    obj.response = response;
    obj.context = { lastID: response.lastInsertRowid, changes: response.changes };
    return obj;
  }
}
