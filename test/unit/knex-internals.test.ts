// The parts of knex that Keyturn's database layer uses beyond knex's public API (src/db/knex-internals.ts).
// A knex upgrade that moves or changes one of them fails here, in one place, rather than somewhere deep in
// a transaction.
import Sqlite from 'better-sqlite3';
import knex from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BetterSqlite3Client,
  clientOnConnection,
  connectionsOf,
  makeKnex,
  poolIsIdle,
  poolUse,
} from '../../src/db/knex-internals.ts';

describe('knex internals', () => {
  const pooled = knex({
    client: 'better-sqlite3',
    connection: { filename: ':memory:' },
    useNullAsDefault: true,
  });
  afterAll(() => pooled.destroy());

  it('make-knex builds a knex instance on a client', () => {
    expect(typeof makeKnex).toBe('function');
    const instance = makeKnex(pooled.client);
    expect(typeof instance).toBe('function');
    expect(typeof instance.raw).toBe('function');
  });

  it('the better-sqlite3 dialect is a client class with the methods the caching client overrides and calls', () => {
    const prototype = (BetterSqlite3Client as { prototype: Record<string, unknown> }).prototype;
    for (const method of ['_query', '_formatBindings', '_optSafeIntegers', 'acquireRawConnection'])
      expect(typeof prototype[method], method).toBe('function');
  });

  it('the client hands out raw connections from its pool, and the pool tells whether one is in use', async () => {
    await pooled.raw('select 1');
    expect(poolIsIdle(pooled)).toBe(true);
    const source = connectionsOf<Sqlite.Database>(pooled);
    const connection = await source.acquireConnection();
    expect(connection).toBeInstanceOf(Sqlite);
    expect(poolIsIdle(pooled)).toBe(false);
    await source.releaseConnection(connection);
    expect(poolIsIdle(pooled)).toBe(true);
  });

  it("the pool's use counts the connections in use, the idle ones and the requests waiting for one", async () => {
    await pooled.raw('select 1');
    expect(poolUse(pooled)).toEqual({ used: 0, free: 1, pending: 0 });
    const source = connectionsOf<Sqlite.Database>(pooled);
    const connection = await source.acquireConnection();
    expect(poolUse(pooled)).toEqual({ used: 1, free: 0, pending: 0 });
    const waiting = source.acquireConnection(); // the pool holds one connection: this one waits
    await new Promise((resolve) => setImmediate(resolve));
    expect(poolUse(pooled)).toEqual({ used: 1, free: 0, pending: 1 });
    await source.releaseConnection(connection);
    await source.releaseConnection(await waiting);
    expect(poolUse(pooled)).toEqual({ used: 0, free: 1, pending: 0 });
  });

  it('a client on one connection runs the builder there, and refuses once it may no longer query', async () => {
    const source = connectionsOf<Sqlite.Database>(pooled);
    const connection = await source.acquireConnection();
    let open = true;
    const bound = clientOnConnection(
      pooled,
      connection,
      () => open,
      () => new Error('ended'),
    );
    try {
      connection.exec('create temporary table probe (n integer)');
      await bound('probe').insert({ n: 7 });
      expect(connection.prepare('select n from probe').get()).toEqual({ n: 7 });
      open = false;
      await expect(bound('probe').select('n')).rejects.toThrow('ended');
    } finally {
      await source.releaseConnection(connection);
    }
  });
});
