// A bounded cache of committed rows that one request after another reads again, for SQLite only, where
// this process is the database's one writer. SQLite drops a connection's page cache whenever the WAL has
// changed since its last read, so on a busy journey every read of the interaction and of the journey's
// progress (about twenty per journey) walked the B-tree again from the OS page cache.
//
// What keeps it exact:
// - a row is kept only when it was read while no transaction was open or waiting on the writer, so it is
//   the committed state and no write to it was under way;
// - every write forgets its key before it runs, and a write that began while the read was in flight stops
//   the row from being kept;
// - reads inside a transaction bypass it (they may see the transaction's own uncommitted writes).
// PostgreSQL runs as many instances, none of which sees the others' writes: there the cache is off.
import type { Knex } from 'knex';
import { isInTransaction, runsOnSqlite, sqliteWriterIsIdle } from './transaction.ts';

export interface RowCache<Row> {
  /** The cached row, or `load()`'s, kept when the rules above allow. */
  get(key: string, load: () => Promise<Row | undefined>): Promise<Row | undefined>;
  /** Call before any write to the row. */
  forget(key: string): void;
  /** Call before a write that may touch many rows (a sweep). */
  clear(): void;
}

const caches = new WeakMap<Knex, Map<string, RowCache<unknown>>>();

/**
 * The database's cache named `name` (one per database and name, so every repository made on the same
 * database forgets in the same cache).
 */
export function rowCache<Row>(knex: Knex, name: string, capacity: number): RowCache<Row> {
  let named = caches.get(knex);
  if (!named) {
    named = new Map();
    caches.set(knex, named);
  }
  let cache = named.get(name) as RowCache<Row> | undefined;
  if (!cache) {
    cache = runsOnSqlite(knex) ? boundedCache<Row>(knex, capacity) : passThrough<Row>();
    named.set(name, cache as RowCache<unknown>);
  }
  return cache;
}

/** No cache: every `get` loads. */
export function passThrough<Row>(): RowCache<Row> {
  return { get: (_key, load) => load(), forget: () => {}, clear: () => {} };
}

function boundedCache<Row>(knex: Knex, capacity: number): RowCache<Row> {
  const rows = new Map<string, Row>();
  let writes = 0;
  return {
    async get(key, load) {
      if (isInTransaction()) return load();
      const cached = rows.get(key);
      if (cached !== undefined) return cached;
      const writesBefore = writes;
      const committed = sqliteWriterIsIdle(knex);
      const row = await load();
      if (row !== undefined && committed && writes === writesBefore) {
        if (rows.size >= capacity) rows.delete(rows.keys().next().value as string);
        rows.set(key, row);
      }
      return row;
    },
    forget(key) {
      writes++;
      rows.delete(key);
    },
    clear() {
      writes++;
      rows.clear();
    },
  };
}
