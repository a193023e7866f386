// Inbound OEM events already applied, keyed by provider and `webhook-id`: the second delivery of the same
// event is recognised inside the same transaction that would apply it.
import { deleteOlderThan } from '../db/delete-older-than.ts';
import type { Database } from '../db/index.ts';

export function inboundEventsRepository(database: Database) {
  const record = database.statement(
    'insert into inbound_events (id, provider, received_at) values (?, ?, ?) on conflict (id) do nothing',
  );
  return {
    /** Records the event; false when it was recorded before (a duplicate delivery). */
    async firstSighting(id: string, provider: string): Promise<boolean> {
      return (await record.run(id, provider, Date.now())) === 1;
    },
    /** Forgets the events received before `before`: a redelivery after that is no longer recognised. */
    async sweep(before: number): Promise<number> {
      return deleteOlderThan(database.query(), 'inbound_events', 'received_at', before);
    },
  };
}

export type InboundEventsRepository = ReturnType<typeof inboundEventsRepository>;
