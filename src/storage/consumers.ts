// Data consumers: services that introspect tokens with their own client credentials and do nothing else.
import type { Knex } from 'knex';
import type { HotReads } from './hot-reads.ts';
import { executor, isInTransaction } from './transaction.ts';

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

export function consumersRepository(knex: Knex, hot?: () => HotReads) {
  const table = () => executor(knex)<ConsumerRow>('consumers');
  return {
    async insert(consumer: Consumer): Promise<void> {
      await table().insert({
        client_id: consumer.clientId,
        client_secret_hash: consumer.clientSecretHash,
        name: consumer.name,
        created_at: consumer.createdAt,
      });
    },
    async find(clientId: string): Promise<Consumer | undefined> {
      const row =
        hot && !isInTransaction()
          ? await hot().row<ConsumerRow>('consumer', clientId)
          : await table().where('client_id', clientId).first();
      return row ? toConsumer(row) : undefined;
    },
    async list(): Promise<Consumer[]> {
      return (await table().orderBy('created_at')).map(toConsumer);
    },
  };
}

export type ConsumersRepository = ReturnType<typeof consumersRepository>;
