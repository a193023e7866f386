// Inbound OEM events already applied, keyed by provider and `webhook-id`: the second delivery of the same
// event is recognised inside the same transaction that would apply it.
import type { Knex } from 'knex';
import { executor } from './transaction.ts';

export function inboundEventsRepository(knex: Knex) {
  return {
    /** Records the event; false when it was recorded before (a duplicate delivery). */
    async firstSighting(id: string, provider: string): Promise<boolean> {
      const inserted = await executor(knex)('inbound_events')
        .insert({ id, provider, received_at: Date.now() })
        .onConflict('id')
        .ignore()
        .returning('id');
      return inserted.length === 1;
    },
  };
}

export type InboundEventsRepository = ReturnType<typeof inboundEventsRepository>;
