// Cached rows on real databases: SQLite (one writer: this process) keeps them, PostgreSQL (other instances
// write the same rows) does not. Either way no write through the cache, committed or rolled back, leaves
// a stale row behind, and a transaction sees its own writes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CachedRows, Database } from '../../src/db/index.ts';
import { openTestDatabase, testEngine } from '../support/database.ts';

interface Row {
  value: string;
}

describe('cached rows', () => {
  let database: Database;
  let close: () => Promise<void>;
  let rows: CachedRows<Row>;
  const update = () => database.statement('update cached_rows set value = ? where name = ?');
  const cached = () => database.engine === 'sqlite';
  /** A change made behind the cache's back (as another process would). */
  const changeUnseen = (name: string, value: string) =>
    database.query()('cached_rows').where({ name }).update({ value });

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase());
    await database.query().schema.createTable('cached_rows', (t) => {
      t.string('name').primary();
      t.string('value').notNullable();
    });
    rows = database.cachedRows<Row>('test', {
      capacity: 10,
      load: 'select value from cached_rows where name = ?',
    });
  });
  beforeEach(async () => {
    await database.query()('cached_rows').delete();
    await database
      .query()('cached_rows')
      .insert(['a', 'b'].map((name) => ({ name, value: 'old' })));
    await rows.writeAny(database.statement('select 1'));
  });
  afterAll(async () => {
    await close?.();
  });

  it('keeps a row read on SQLite (a change behind its back is not seen), reads it every time on PostgreSQL', async () => {
    expect(await rows.get('a')).toEqual({ value: 'old' });
    await changeUnseen('a', 'behind');
    expect(await rows.get('a')).toEqual({ value: cached() ? 'old' : 'behind' });
  });

  it.runIf(testEngine() === 'sqlite')(
    'is one cache per name: asked for again by name, the same rows; by name with other SQL, refused',
    () => {
      const load = 'select value from cached_rows where name = ?';
      expect(database.cachedRows<Row>('test', { capacity: 10, load })).toBe(rows);
      expect(() => database.cachedRows('test', { capacity: 10, load: 'select 1' })).toThrow(/other SQL/);
    },
  );

  it('a write through the cache is read at once', async () => {
    await rows.get('a');
    await rows.write('a', update(), 'new', 'a');
    expect(await rows.get('a')).toEqual({ value: 'new' });
  });

  it('a row read outside a transaction that writes it is the committed one, and is not kept', async () => {
    await rows.get('a');
    let written = () => {};
    const inside = new Promise<void>((resolve) => {
      written = resolve;
    });
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const unit = database.transaction(async () => {
      await rows.write('a', update(), 'new', 'a');
      expect(await rows.get('a')).toEqual({ value: 'new' });
      written();
      await finished;
    });
    await inside;
    expect(await rows.get('b')).toEqual({ value: 'old' });
    finish();
    await unit;
    expect(await rows.get('a')).toEqual({ value: 'new' });
  });

  it('a rolled-back write leaves the committed row', async () => {
    await rows.get('a');
    const failed = database.transaction(async () => {
      await rows.write('a', update(), 'never', 'a');
      throw new Error('rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    expect(await rows.get('a')).toEqual({ value: 'old' });
  });
});
