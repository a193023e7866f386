// The cache of committed rows, as an algorithm: what it keeps, when it reads again, and why a row it must
// not trust is never kept. The engine's two facts (a transaction is open here; nothing is being written)
// are set by the test; test/integration/cached-rows.test.ts runs the same cache on real databases.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Statement } from '../../src/db/database.ts';
import { boundedRows } from '../../src/db/row-cache.ts';

interface Row {
  value: string;
}

describe('row cache', () => {
  let table: Map<string, string>;
  let loads: number;
  let engine: { inTransaction: boolean; writerIsIdle: boolean };
  /** Set while a read must wait (a read in flight). */
  let readGate: Promise<void> | undefined;

  const load: Statement<Row> = {
    async get(key) {
      loads++;
      const value = table.get(String(key));
      if (readGate) await readGate;
      return value === undefined ? undefined : { value };
    },
    all: async () => [],
    run: async () => 0,
  };
  const update: Statement<unknown> = {
    get: async () => undefined,
    all: async () => [],
    async run(value, key) {
      table.set(String(key), String(value));
      return 1;
    },
  };
  const cache = () =>
    boundedRows<Row>(
      { inTransaction: () => engine.inTransaction, writerIsIdle: () => engine.writerIsIdle },
      2,
      { inTransaction: load, committed: load },
    );

  beforeEach(() => {
    table = new Map([
      ['a', 'old'],
      ['b', 'old'],
      ['c', 'old'],
    ]);
    loads = 0;
    engine = { inTransaction: false, writerIsIdle: true };
    readGate = undefined;
  });

  it('serves a row read again from memory, and reads it again after a write through it', async () => {
    const rows = cache();
    expect(await rows.get('a')).toEqual({ value: 'old' });
    expect(await rows.get('a')).toEqual({ value: 'old' });
    expect(loads).toBe(1);
    await rows.write('a', update, 'new', 'a');
    expect(await rows.get('a')).toEqual({ value: 'new' });
    expect(loads).toBe(2);
  });

  it('forgets every row on a write that may touch any', async () => {
    const rows = cache();
    await rows.get('a');
    await rows.writeAny(update, 'swept', 'a');
    expect(await rows.get('a')).toEqual({ value: 'swept' });
    expect(loads).toBe(2);
  });

  it('keeps no row read while a write is under way or waiting', async () => {
    const rows = cache();
    engine.writerIsIdle = false;
    await rows.get('a');
    await rows.get('a');
    expect(loads).toBe(2);
  });

  it('keeps no row when a write began while its read was in flight', async () => {
    const rows = cache();
    let finishRead = () => {};
    readGate = new Promise((resolve) => {
      finishRead = resolve;
    });
    const slowRead = rows.get('a');
    readGate = undefined;
    await rows.write('a', update, 'new', 'a');
    finishRead();
    expect(await slowRead).toEqual({ value: 'old' });
    expect(await rows.get('a')).toEqual({ value: 'new' });
  });

  it('reads inside a transaction bypass it (they may see the transaction’s own writes)', async () => {
    const rows = cache();
    engine.inTransaction = true;
    await rows.get('a');
    await rows.get('a');
    expect(loads).toBe(2);
    engine.inTransaction = false;
    await rows.get('a');
    await rows.get('a');
    expect(loads).toBe(3);
  });

  it('keeps at most its capacity, dropping the oldest row first', async () => {
    const rows = cache();
    for (const key of ['a', 'b', 'c']) await rows.get(key);
    loads = 0;
    await rows.get('c');
    await rows.get('b');
    expect(loads).toBe(0);
    await rows.get('a');
    expect(loads).toBe(1);
  });
});
