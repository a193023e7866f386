// The unit of work on a real database (SQLite file or PostgreSQL): everything written inside one
// `inTransaction`, through the query builder or fixed statements, commits or rolls back together.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { openTestDatabase } from '../support/database.ts';

describe('inTransaction', () => {
  let database: Database;
  let close: () => Promise<void>;
  const names = async () => (await database.query()('units').orderBy('name').pluck('name')) as string[];
  const insertByBuilder = (name: string) => database.query()('units').insert({ name });
  const insertByStatement = (name: string) =>
    database.statement('insert into units (name) values (?)').run(name);

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase());
    await database.query().schema.createTable('units', (t) => t.string('name').primary());
  });
  beforeEach(async () => {
    await database.query()('units').delete();
  });
  afterAll(async () => {
    await close?.();
  });

  it('commits the builder and statement writes together', async () => {
    const result = await database.transaction(async () => {
      expect(database.inTransaction()).toBe(true);
      await insertByBuilder('a');
      await insertByStatement('b');
      return 'done';
    });
    expect(result).toBe('done');
    expect(database.inTransaction()).toBe(false);
    expect(await names()).toEqual(['a', 'b']);
  });

  it('rolls every write back when the work fails, and reports the work’s own error', async () => {
    const failing = database.transaction(async () => {
      await insertByBuilder('a');
      await insertByStatement('b');
      throw new Error('the work failed');
    });
    await expect(failing).rejects.toThrow('the work failed');
    expect(await names()).toEqual([]);
  });

  it('rolls back on a failing statement (a duplicate key), and the connection stays usable', async () => {
    const duplicate = database.transaction(async () => {
      await insertByBuilder('a');
      await insertByStatement('a');
    });
    await expect(duplicate).rejects.toThrow();
    expect(await names()).toEqual([]);
    await database.transaction(() => insertByBuilder('c'));
    expect(await names()).toEqual(['c']);
  });

  it('a nested unit joins the outer one: the outer failure undoes the inner write', async () => {
    const outer = database.transaction(async () => {
      await database.transaction(() => insertByStatement('inner'));
      throw new Error('outer failed');
    });
    await expect(outer).rejects.toThrow('outer failed');
    expect(await names()).toEqual([]);
  });

  it('refuses a query on the transaction after it ended', async () => {
    const escaped = await database.transaction(async () => database.query());
    await expect(escaped('units').insert({ name: 'late' })).rejects.toThrow(/already ended/);
    expect(await names()).toEqual([]);
  });

  it('refuses leftover work of an ended transaction while another one is open', async () => {
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    let leftover: Promise<unknown> | undefined;
    await database.transaction(async () => {
      await insertByBuilder('first');
      // Work the first unit starts and does not wait for; it goes on in the first unit's context.
      leftover = gate.then(() => insertByStatement('late'));
    });
    await database.transaction(async () => {
      await insertByBuilder('second');
      openGate();
      await expect(leftover).rejects.toThrow(/already ended/);
      await insertByStatement('second-after');
    });
    expect(await names()).toEqual(['first', 'second', 'second-after']);
  });

  it('a statement outside the unit waits for it and never sees its uncommitted writes', async () => {
    const countOf = database.statement<{ n: number }>('select count(*) as n from units where name = ?');
    expect((await countOf.get('pending'))?.n).toBe(0);
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const order: string[] = [];
    let insertedInUnit = () => {};
    const inserted = new Promise<void>((resolve) => {
      insertedInUnit = resolve;
    });
    const unit = database.transaction(async () => {
      await insertByStatement('pending');
      insertedInUnit();
      await gate;
      order.push('unit ended');
      throw new Error('rolled back');
    });
    await inserted;
    // The unit holds the connection now (on SQLite, the only one): the outside read must wait for it.
    const outside = countOf.get('pending').then((row) => {
      order.push('outside read');
      return row?.n;
    });
    // Let the read start (and, on SQLite, queue for the connection) before the unit may end.
    await new Promise((resolve) => setImmediate(resolve));
    openGate();
    await expect(unit).rejects.toThrow('rolled back');
    expect(await outside).toBe(0);
    if (database.engine === 'sqlite') expect(order).toEqual(['unit ended', 'outside read']);
  });

  it('parallel units each commit or roll back on their own', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, n) =>
        database.transaction(async () => {
          await insertByStatement(`unit-${String(n).padStart(2, '0')}`);
          if (n % 3 === 0) throw new Error(`unit ${n} failed`);
          await insertByBuilder(`unit-${String(n).padStart(2, '0')}-second`);
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(4);
    const expected = Array.from({ length: 12 }, (_, n) => n)
      .filter((n) => n % 3 !== 0)
      .flatMap((n) => [`unit-${String(n).padStart(2, '0')}`, `unit-${String(n).padStart(2, '0')}-second`]);
    expect(await names()).toEqual(expected.sort());
  });
});
