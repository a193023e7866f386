// The one place that reaches past knex's public API. knex offers no way to build an instance on a given
// connection, to take a raw connection from its pool, to see the pool's use, or to extend its
// better-sqlite3 dialect; these do, and test/unit/knex-internals.test.ts fails if a knex upgrade
// moves them.
// Imported, not required, so that a bundle holds one copy of knex (see ./knex-modules.d.ts for their types).
import type { Knex } from 'knex';
import betterSqlite3Dialect from 'knex/lib/dialects/better-sqlite3/index.js';
import knexBuilder from 'knex/lib/knex-builder/make-knex.js';

/** Builds a knex instance on a client (knex's own transactions use this function). */
export const makeKnex = knexBuilder as (client: unknown) => Knex;

/** knex's better-sqlite3 dialect client, to be subclassed. */
export const BetterSqlite3Client: unknown = betterSqlite3Dialect;

/** How a knex client hands out its raw connections: from the pool, or a transaction's own one. */
export interface ConnectionSource<Connection = object> {
  acquireConnection(): Promise<Connection>;
  releaseConnection(connection: Connection): Promise<unknown>;
}

export function connectionsOf<Connection = object>(knex: Knex): ConnectionSource<Connection> {
  return knex.client as unknown as ConnectionSource<Connection>;
}

/** knex's pool (tarn.js), as far as its use is read here. */
interface Pool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/** One pool's connections at a moment: in use, idle, and requests waiting for one. */
export interface PoolUse {
  used: number;
  free: number;
  pending: number;
}

/** The use of the client's pool; undefined for a client without one (as on a transaction's client). */
export function poolUse(knex: Knex): PoolUse | undefined {
  const pool = (knex.client as { pool?: Pool }).pool;
  if (pool === undefined) return undefined;
  return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() };
}

/** True when no pooled connection is in use and nobody waits for one. */
export function poolIsIdle(knex: Knex): boolean {
  const use = poolUse(knex);
  return use !== undefined && use.used === 0 && use.pending === 0;
}

/** The client's options as given to knex() (knex keeps them whole on the client). */
export function clientConfig<T extends object>(knex: Knex): Partial<T> {
  return (knex.client as { config: Partial<T> }).config;
}

/**
 * A copy of `pooled`'s client whose queries run on one connection, built the way knex builds its
 * transaction clients: same prototype, same settings, no pool of its own.
 */
export function clientOnConnection(
  pooled: Knex,
  connection: object,
  mayQuery: () => boolean,
  closed: () => Error,
): Knex {
  const original = pooled.client as unknown as Record<string, unknown> & {
    emit(event: string, ...args: unknown[]): boolean;
  };
  const client = Object.create(Object.getPrototypeOf(original)) as Record<string, unknown> & {
    query(connection: object, query: unknown): Promise<unknown>;
    on(event: string, listener: (...args: unknown[]) => void): unknown;
  };
  for (const [key, value] of Object.entries(original)) {
    if (key !== 'pool' && !key.startsWith('_')) client[key] = value;
  }
  client.transacting = true;
  client.acquireConnection = async () => {
    if (!mayQuery()) throw closed();
    return connection;
  };
  client.releaseConnection = async () => undefined;
  const query = client.query;
  client.query = function (this: unknown, on: object, sql: unknown) {
    return mayQuery() ? query.call(this, on, sql) : Promise.reject(closed());
  };
  for (const event of ['start', 'query', 'query-error', 'query-response'])
    client.on(event, (...args) => original.emit(event, ...args));
  return makeKnex(client);
}
