// An app's webhook endpoint that answered 410 Gone is disabled (RFC 9110 §15.5.11: the resource is gone
// for good): no more deliveries are attempted until an operator enables it again.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apps', (t) => {
    t.bigInteger('webhook_disabled_at');
    t.text('webhook_disabled_reason');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apps', (t) => {
    t.dropColumn('webhook_disabled_at');
    t.dropColumn('webhook_disabled_reason');
  });
}
