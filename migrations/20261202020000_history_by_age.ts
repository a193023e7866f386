// Recorded OEM event ids and the webhook delivery log are deleted once older than HISTORY_RETENTION, so
// both are found by age.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inbound_events', (t) => {
    t.index(['received_at']);
  });
  await knex.schema.alterTable('webhook_deliveries', (t) => {
    t.index(['attempted_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_deliveries', (t) => {
    t.dropIndex(['attempted_at']);
  });
  await knex.schema.alterTable('inbound_events', (t) => {
    t.dropIndex(['received_at']);
  });
}
