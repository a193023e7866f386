// Inbound OEM events already applied, keyed by provider and `webhook-id`: the second delivery of the same
// event is recognised inside the same transaction that would apply it.
import type { Knex } from 'knex';
import { deleteOlderThan } from './delete-older-than.ts';
import { statement } from './statement.ts';

export function inboundEventsRepository(knex: Knex) {
  const record = statement(
    knex,
    'insert into inbound_events (id, provider, received_at) values (?, ?, ?) on conflict (id) do nothing',
  );
  return {
    /** Records the event; false when it was recorded before (a duplicate delivery). */
    async firstSighting(id: string, provider: string): Promise<boolean> {
      return (await record.run(id, provider, Date.now())) === 1;
    },
    /** Forgets the events received before `before`: a redelivery after that is no longer recognised. */
    async sweep(before: number): Promise<number> {
      return deleteOlderThan(knex, 'inbound_events', 'received_at', before);
    },
  };
}

export type InboundEventsRepository = ReturnType<typeof inboundEventsRepository>;
