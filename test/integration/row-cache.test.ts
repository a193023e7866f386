// The cache of committed rows on a real database. SQLite: a row read again comes from the cache, and no
// write (committed, rolled back, under way or racing the read) ever leaves a stale row behind. The reads
// come from a second, read-only connection, as the hot reads do, so they see only committed data.
// PostgreSQL: the cache is off and every read loads.
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/storage/database.ts';
import { type RowCache, rowCache } from '../../src/storage/row-cache.ts';
import { statement } from '../../src/storage/statement.ts';
import { inTransaction } from '../../src/storage/transaction.ts';
import { openTestDatabase } from '../support/database.ts';

interface Row {
  value: string;
}

describe('rowCache', () => {
  let database: Database;
  let close: () => Promise<void>;
  let readCommitted: (name: string) => Promise<Row | undefined>;
  let reader: Sqlite.Database | undefined;
  let loads = 0;
  let cacheNumber = 0;
  let cache: RowCache<Row>;
  const cached = () => database.engine === 'sqlite';
  const load = (name: string) => () => {
    loads++;
    return readCommitted(name);
  };
  const write = async (name: string, value: string) => {
    cache.forget(name);
    await statement(database.knex, 'update cached_rows set value = ? where name = ?').run(value, name);
  };
  const gate = () => {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  };

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase());
    await database.knex.schema.createTable('cached_rows', (t) => {
      t.string('name').primary();
      t.string('value').notNullable();
    });
    if (database.engine === 'sqlite') {
      const file = (database.knex.client.config.connection as { filename: string }).filename;
      reader = new Sqlite(file, { readonly: true });
      const select = reader.prepare('select value from cached_rows where name = ?');
      readCommitted = async (name) => select.get(name) as Row | undefined;
    } else {
      readCommitted = async (name) => database.knex('cached_rows').where({ name }).first('value');
    }
  });
  beforeEach(async () => {
    await database.knex('cached_rows').delete();
    await database.knex('cached_rows').insert([
      { name: 'a', value: 'old' },
      { name: 'b', value: 'old' },
      { name: 'c', value: 'old' },
    ]);
    cache = rowCache<Row>(database.knex, `test-${++cacheNumber}`, 2);
    loads = 0;
  });
  afterAll(async () => {
    reader?.close();
    await close?.();
  });

  it('serves a row read again from the cache (SQLite), and loads it again after a write', async () => {
    expect(await cache.get('a', load('a'))).toEqual({ value: 'old' });
    expect(await cache.get('a', load('a'))).toEqual({ value: 'old' });
    expect(loads).toBe(cached() ? 1 : 2);
    await write('a', 'new');
    expect(await cache.get('a', load('a'))).toEqual({ value: 'new' });
  });

  it('is one cache per database and name', () => {
    expect(rowCache(database.knex, `test-${cacheNumber}`, 2)).toBe(cache);
    expect(rowCache(database.knex, 'another', 2)).not.toBe(cache);
  });

  it('does not keep a row read while a transaction that writes it is open', async () => {
    await cache.get('a', load('a'));
    const writing = gate();
    const written = gate();
    const unit = inTransaction(database.knex, async () => {
      await write('a', 'new');
      written.open();
      await writing.opened;
    });
    await written.opened;
    // Read outside the unit: the committed row, which the unit is about to replace.
    expect(await cache.get('a', load('a'))).toEqual({ value: 'old' });
    writing.open();
    await unit;
    expect(await cache.get('a', load('a'))).toEqual({ value: 'new' });
  });

  it('does not keep a row when a write began while the read was in flight', async () => {
    const reading = gate();
    const slowRead = cache.get('a', async () => {
      const row = await readCommitted('a');
      await reading.opened;
      return row;
    });
    await write('a', 'new');
    reading.open();
    expect(await slowRead).toEqual({ value: 'old' });
    expect(await cache.get('a', load('a'))).toEqual({ value: 'new' });
  });

  it('leaves the committed row after a rolled-back write', async () => {
    await cache.get('a', load('a'));
    const failed = inTransaction(database.knex, async () => {
      await write('a', 'never');
      throw new Error('rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    expect(await cache.get('a', load('a'))).toEqual({ value: 'old' });
    expect(loads).toBe(2);
  });

  it('reads inside a transaction bypass it: they may see the transaction’s own writes', async () => {
    await inTransaction(database.knex, async () => {
      await cache.get('a', load('a'));
      await cache.get('a', load('a'));
    });
    expect(loads).toBe(2);
    await cache.get('a', load('a'));
    expect(loads).toBe(3);
  });

  it('keeps at most its capacity, dropping the oldest row first', async () => {
    for (const name of ['a', 'b', 'c']) await cache.get(name, load(name));
    loads = 0;
    await cache.get('c', load('c'));
    await cache.get('b', load('b'));
    expect(loads).toBe(cached() ? 0 : 2);
    await cache.get('a', load('a'));
    expect(loads).toBe(cached() ? 1 : 3);
  });

  it('forgets every row on clear', async () => {
    await cache.get('a', load('a'));
    cache.clear();
    await cache.get('a', load('a'));
    expect(loads).toBe(2);
  });
});
