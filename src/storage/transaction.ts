// Unit of work: repositories run on the ambient transaction when there is one, so a command can write
// across repositories (and through oidc-provider's adapter) atomically without threading `trx` by hand.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';

const ambient = new AsyncLocalStorage<Knex.Transaction>();

/** The current transaction, or the plain connection outside one. */
export function executor(knex: Knex): Knex {
  return ambient.getStore() ?? knex;
}

export function inTransaction<T>(knex: Knex, work: () => Promise<T>): Promise<T> {
  const current = ambient.getStore();
  if (current) return work();
  return knex.transaction((trx) => ambient.run(trx, work));
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
