// The clearance relay: inbound OEM events seen (for exactly-once application of duplicates) and the
// per-app log of outbound webhook delivery attempts.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbound_events', (t) => {
    t.string('id', 255).primary();
    t.string('provider', 40).notNullable();
    t.bigInteger('received_at').notNullable();
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.bigIncrements('id');
    t.string('client_id', 64).notNullable();
    t.bigInteger('job_id').notNullable();
    t.string('webhook_id', 255).notNullable();
    t.string('event_type', 60).notNullable();
    t.text('url').notNullable();
    t.integer('status_code');
    t.text('error');
    t.integer('duration_ms').notNullable();
    t.bigInteger('attempted_at').notNullable();
    t.index(['client_id', 'attempted_at']);
    t.index(['job_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webhook_deliveries');
  await knex.schema.dropTableIfExists('inbound_events');
}
