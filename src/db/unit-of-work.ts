// Unit of work: repositories run on the ambient transaction when there is one, so a command can write
// across repositories (and through the authorization server's adapter) atomically without threading a
// transaction object by hand.
//
// A transaction is BEGIN … COMMIT on one pooled connection. Builder queries inside it run through a knex
// instance bound to that connection, made once per connection and reused: knex's own `transaction()`
// makes a fresh instance (a few hundred closures) for every transaction, and on the callbacks' path those
// objects were most of what survived the young generation, which made each scavenge take milliseconds.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';
import { clientOnConnection, connectionsOf } from './knex-internals.ts';

/** How an engine opens and ends a transaction on one of its raw connections. */
export interface TransactionStatements<Connection> {
  begin(connection: Connection): Promise<void>;
  commit(connection: Connection): Promise<void>;
  rollback(connection: Connection): Promise<void>;
}

/** The transaction the calling code belongs to: its raw connection and a knex bound to it. */
export interface OpenTransaction<Connection> {
  connection: Connection;
  knex: Knex;
}

interface Unit<Connection> {
  knex: Knex;
  connection: Connection;
  /** The transaction open on the connection (0: none). */
  open: number;
}

interface Ambient<Connection> {
  unit: Unit<Connection>;
  transaction: number;
}

export interface UnitOfWork<Connection> {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** The caller's transaction; undefined outside one; throws when that transaction has already ended. */
  current(): OpenTransaction<Connection> | undefined;
  /** The knex bound to the caller's transaction (it refuses queries once that has ended); else undefined. */
  boundKnex(): Knex | undefined;
  active(): boolean;
  /** Runs `work` outside any transaction (e.g. a listener the transaction does not wait for). */
  outside<T>(work: () => T): T;
}

const closedError = () => new Error('query on a transaction that has already ended');

export function unitOfWork<Connection extends object>(
  pooled: Knex,
  statements: TransactionStatements<Connection>,
): UnitOfWork<Connection> {
  const ambient = new AsyncLocalStorage<Ambient<Connection>>();
  const units = new WeakMap<Connection, Unit<Connection>>();
  let transactions = 0;

  // Only code of the transaction open on the connection may query on it: work left running after its
  // own transaction ended is refused, even when another transaction is open on the same connection.
  const mayQueryOn = (unit: Unit<Connection>, current: Ambient<Connection> | undefined) =>
    unit.open !== 0 && current?.unit === unit && current.transaction === unit.open;

  function unitFor(connection: Connection): Unit<Connection> {
    const existing = units.get(connection);
    if (existing) return existing;
    const unit: Unit<Connection> = { knex: undefined as unknown as Knex, connection, open: 0 };
    unit.knex = clientOnConnection(
      pooled,
      connection,
      () => mayQueryOn(unit, ambient.getStore()),
      closedError,
    );
    units.set(connection, unit);
    return unit;
  }

  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (ambient.getStore()) return work();
      const pool = connectionsOf<Connection>(pooled);
      const connection = await pool.acquireConnection();
      const unit = unitFor(connection);
      const context: Ambient<Connection> = { unit, transaction: ++transactions };
      unit.open = context.transaction;
      try {
        await statements.begin(connection);
        let result: T;
        try {
          // knex runs a query when it is awaited, so the await belongs inside the context.
          result = await ambient.run(context, async () => await work());
          await statements.commit(connection);
        } catch (error) {
          // The engine may have rolled back already (then ROLLBACK fails), or the connection is broken and
          // is dropped by the pool's validation: either way the original error is the one to report.
          await statements.rollback(connection).catch(() => undefined);
          throw error;
        }
        return result;
      } finally {
        unit.open = 0;
        await pool.releaseConnection(connection);
      }
    },
    current() {
      const context = ambient.getStore();
      if (!context) return undefined;
      if (!mayQueryOn(context.unit, context)) throw closedError();
      return { connection: context.unit.connection, knex: context.unit.knex };
    },
    boundKnex: () => ambient.getStore()?.unit.knex,
    active: () => ambient.getStore() !== undefined,
    outside: (work) => ambient.exit(work),
  };
}
