// Unit of work: repositories run on the ambient transaction when there is one, so a command can write
// across repositories (and through oidc-provider's adapter) atomically without threading `trx` by hand.
//
// A transaction is BEGIN … COMMIT on one pooled connection, run through a knex instance bound to that
// connection. The bound instance is made once per connection and reused: knex's own `transaction()` makes a
// fresh knex instance (a few hundred closures) for every transaction, and on the callbacks' path those
// objects were three quarters of what survived the young generation, which made each scavenge take 6–13 ms
// on the server's one core (measured with V8's sampling heap profiler and --trace-gc-nvp).
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type Sqlite from 'better-sqlite3';
import type { Knex } from 'knex';
import { defaultLockTimeoutMs, prepared, whenUnlocked } from './sqlite-client.ts';

// knex has no public way to build an instance on a given client; its transactions use this same function.
const makeKnex = createRequire(import.meta.url)('knex/lib/knex-builder/make-knex.js') as (
  client: unknown,
) => Knex;

/** How a knex client hands out its connections: from the pool, or a transaction's own one. */
export interface ConnectionSource<Connection = object> {
  acquireConnection(): Promise<Connection>;
  releaseConnection(connection: Connection): Promise<unknown>;
}

/** knex has no public API for a raw connection; its client's pool methods are the one way in. */
export function connectionsOf<Connection = object>(knex: Knex): ConnectionSource<Connection> {
  return knex.client as unknown as ConnectionSource<Connection>;
}

interface Pool {
  numUsed(): number;
  numPendingAcquires(): number;
}

/**
 * True when nothing holds SQLite's one pooled connection (no transaction open on it, no checkpoint holding
 * it) and nobody waits for it: everything written so far is committed, and no write is under way.
 */
export function sqliteWriterIsIdle(knex: Knex): boolean {
  const pool = (knex.client as { pool?: Pool }).pool;
  return pool !== undefined && pool.numUsed() === 0 && pool.numPendingAcquires() === 0;
}

interface PoolClient extends ConnectionSource {
  query(connection: object, query: unknown): Promise<unknown>;
  emit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A connection's bound knex instance, and the transaction open on it (0: none). */
interface Unit {
  knex: Knex;
  connection: object;
  /** SQLite runs synchronously on the connection itself, so fixed SQL needs no trip through knex. */
  sqlite: boolean;
  open: number;
}

/** What the ambient context carries: the unit, and which of its transactions the code belongs to. */
interface Ambient {
  unit: Unit;
  transaction: number;
}

const ambient = new AsyncLocalStorage<Ambient>();
let transactions = 0;
const units = new WeakMap<object, Unit>();
const forwardedEvents = ['start', 'query', 'query-error', 'query-response'];

/** SQLite (better-sqlite3) rather than PostgreSQL: the two engines Keyturn runs on. */
export const runsOnSqlite = (knex: Knex) => knex.client.dialect !== 'postgresql';

const closedError = () => new Error('query on a transaction that has already ended');

const mayQueryOn = (unit: Unit, current: Ambient | undefined) =>
  unit.open !== 0 && current?.unit === unit && current.transaction === unit.open;

/**
 * Like knex's transaction client: every query on the one connection, and only from code of the transaction
 * open on it (work left running after its own transaction ended is refused, even when another one is open).
 */
function unitFor(knex: Knex, connection: object): Unit {
  const existing = units.get(connection);
  if (existing) return existing;
  const pooled = knex.client as unknown as PoolClient & Record<string, unknown>;
  const client = Object.create(Object.getPrototypeOf(pooled)) as PoolClient & Record<string, unknown>;
  for (const [key, value] of Object.entries(pooled)) {
    if (key !== 'pool' && !key.startsWith('_')) client[key] = value;
  }
  const unit: Unit = {
    knex: undefined as unknown as Knex,
    connection,
    sqlite: runsOnSqlite(knex),
    open: 0,
  };
  const mayQuery = () => mayQueryOn(unit, ambient.getStore());
  client.transacting = true;
  client.acquireConnection = async () => {
    if (!mayQuery()) throw closedError();
    return connection;
  };
  client.releaseConnection = async () => undefined;
  const query = client.query;
  client.query = function (this: PoolClient, on: object, sql: unknown) {
    return mayQuery() ? query.call(this, on, sql) : Promise.reject(closedError());
  };
  for (const event of forwardedEvents) client.on(event, (...args) => pooled.emit(event, ...args));
  unit.knex = makeKnex(client);
  units.set(connection, unit);
  return unit;
}

/** The current transaction, or the plain connection outside one. */
export function executor(knex: Knex): Knex {
  return ambient.getStore()?.unit.knex ?? knex;
}

/**
 * The SQLite connection of the transaction the caller belongs to, for running a prepared statement on it
 * directly; undefined outside a transaction. Throws when that transaction has already ended.
 */
export function transactionSqliteConnection(): Sqlite.Database | undefined {
  const current = ambient.getStore();
  if (!current?.unit.sqlite) return undefined;
  if (!mayQueryOn(current.unit, current)) throw closedError();
  return current.unit.connection as Sqlite.Database;
}

export async function inTransaction<T>(knex: Knex, work: () => Promise<T>): Promise<T> {
  if (ambient.getStore()) return work();
  const pooled = connectionsOf(knex);
  const connection = await pooled.acquireConnection();
  const unit = unitFor(knex, connection);
  const context: Ambient = { unit, transaction: ++transactions };
  unit.open = context.transaction;
  // knex runs a query when it is awaited, so the await belongs inside the context. SQLite's BEGIN and
  // COMMIT run on the connection directly: through knex they cost as much as the statements between them.
  // Every transaction here writes, so SQLite's begins IMMEDIATE: it takes the write lock at once (waiting,
  // asynchronously, while another process holds it), and no statement inside can then be refused for it.
  const timeoutMs = (knex.client.config as { lockTimeoutMs?: number }).lockTimeoutMs ?? defaultLockTimeoutMs;
  const sql = unit.sqlite
    ? (statement: string) =>
        whenUnlocked(() => void prepared(connection as Sqlite.Database, statement).run(), timeoutMs)
    : (statement: string) => ambient.run(context, async () => await unit.knex.raw(statement));
  try {
    await sql(unit.sqlite ? 'BEGIN IMMEDIATE' : 'BEGIN');
    let result: T;
    try {
      result = await ambient.run(context, async () => await work());
      await sql('COMMIT');
    } catch (error) {
      // SQLite may have rolled back already (then ROLLBACK fails); a broken PostgreSQL connection fails
      // too and is dropped by the pool's validation. Either way the original error is the one to report.
      await sql('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return result;
  } finally {
    unit.open = 0;
    await pooled.releaseConnection(connection);
  }
}

export function isInTransaction(): boolean {
  return ambient.getStore() !== undefined;
}

/**
 * Runs `work` with no ambient transaction: for work that starts inside one but must not join it, such as
 * an event listener the transaction does not wait for (it would otherwise query after the commit).
 */
export function outsideTransaction<T>(work: () => T): T {
  return ambient.exit(work);
}
