// A bounded cache of committed rows, kept only where the process is the database's one writer (SQLite),
// so it can know when a row it holds might change. What keeps it exact:
// - a row is kept only when it was read while the engine reports no write under way or waiting;
// - every write goes through the cache, which forgets the key (or everything) before it runs, and a write
//   that began while a read was in flight stops that read's row from being kept;
// - reads inside a transaction bypass it (they may see the transaction's own uncommitted writes).
import type { CachedRows, Statement, Value } from './database.ts';

export interface RowCacheEngine {
  inTransaction(): boolean;
  /** True when nothing is being written (so what a read sees now is the committed state). */
  writerIsIdle(): boolean;
}

export function boundedRows<Row>(
  engine: RowCacheEngine,
  capacity: number,
  load: { inTransaction: Statement<Row>; committed: Statement<Row> },
): CachedRows<Row> {
  const rows = new Map<string, Row>();
  let writes = 0;
  return {
    async get(key) {
      if (engine.inTransaction()) return load.inTransaction.get(key);
      const cached = rows.get(key);
      if (cached !== undefined) return cached;
      const writesBefore = writes;
      const committed = engine.writerIsIdle();
      const row = await load.committed.get(key);
      if (row !== undefined && committed && writes === writesBefore) {
        if (rows.size >= capacity) rows.delete(rows.keys().next().value as string);
        rows.set(key, row);
      }
      return row;
    },
    write(key, statement, ...values: Value[]) {
      writes++;
      rows.delete(key);
      return statement.run(...values);
    },
    writeAny(statement, ...values: Value[]) {
      writes++;
      rows.clear();
      return statement.run(...values);
    },
  };
}

/** No cache: every read loads (engines where other processes write the same rows). */
export function uncachedRows<Row>(
  load: { inTransaction: Statement<Row>; committed: Statement<Row> },
  inTransaction: () => boolean,
): CachedRows<Row> {
  return {
    get: (key) => (inTransaction() ? load.inTransaction : load.committed).get(key),
    write: (_key, statement, ...values) => statement.run(...values),
    writeAny: (statement, ...values) => statement.run(...values),
  };
}
