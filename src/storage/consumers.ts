// Data consumers: services that introspect tokens with their own client credentials and do nothing else.
// A consumer is read on every introspection: `find` keeps it for ten seconds (see ../db/ttl-cache.ts).
import type { Database } from '../db/index.ts';
import { ttlCache } from '../db/ttl-cache.ts';

export interface Consumer {
  clientId: string;
  clientSecretHash: string;
  name: string;
  createdAt: number;
}

interface ConsumerRow {
  client_id: string;
  client_secret_hash: string;
  name: string;
  created_at: number;
}

const toConsumer = (row: ConsumerRow): Consumer => ({
  clientId: row.client_id,
  clientSecretHash: row.client_secret_hash,
  name: row.name,
  createdAt: Number(row.created_at),
});

export function consumersRepository(database: Database) {
  const table = () => database.query()<ConsumerRow>('consumers');
  const selectConsumer = database.readStatement<ConsumerRow>('select * from consumers where client_id = ?');
  const cache = ttlCache<Consumer>();
  return {
    async insert(consumer: Consumer): Promise<void> {
      cache.forget(consumer.clientId);
      await table().insert({
        client_id: consumer.clientId,
        client_secret_hash: consumer.clientSecretHash,
        name: consumer.name,
        created_at: consumer.createdAt,
      });
    },
    find(clientId: string): Promise<Consumer | undefined> {
      return cache.get(clientId, async () => {
        const row = await selectConsumer.get(clientId);
        return row ? toConsumer(row) : undefined;
      });
    },
    async list(): Promise<Consumer[]> {
      return (await table().orderBy('created_at')).map(toConsumer);
    },
  };
}

export type ConsumersRepository = ReturnType<typeof consumersRepository>;
