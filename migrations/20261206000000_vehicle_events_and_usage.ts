// Vehicle events and what they cost. Apps and fleets choose the event types they receive (a JSON list;
// none by default, so nothing is sent or charged that was not asked for). Each billable event delivered to a
// receiver is one line of an append-only usage ledger, written in the transaction that queues the webhook;
// one line per event and receiver, whatever the retries, and a credit line if its delivery is given up on.
// The running total per receiver, vehicle and month is kept beside it, so the price cap is applied with one
// atomic write however many events race. An app pages through its owners' clearances, newest first, by an
// index of its own.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'create index clearances_app_listing_index on clearances (client_id, created_at, id) where fleet_id is null',
  );
  await knex.schema.alterTable('apps', (t) => {
    t.text('event_types').notNullable().defaultTo('[]');
  });
  await knex.schema.alterTable('fleets', (t) => {
    t.text('event_types').notNullable().defaultTo('[]');
  });
  await knex.schema.createTable('usage_ledger', (t) => {
    t.bigIncrements('id').primary();
    t.string('client_id', 64).notNullable();
    t.string('vin', 17).notNullable();
    t.string('month', 7).notNullable();
    t.string('clearance_id', 64).notNullable();
    t.string('event_type', 40).notNullable();
    t.string('event_id', 320).notNullable();
    // 'charge' when the webhook is queued; 'credit' (the charge's negative) when its delivery is given up on.
    t.string('entry', 8).notNullable();
    t.integer('list_price_cents').notNullable();
    t.integer('amount_cents').notNullable();
    t.bigInteger('received_at').notNullable();
    t.unique(['event_id', 'client_id'], { indexName: 'usage_ledger_event_index' });
    t.index(['client_id', 'month', 'vin'], 'usage_ledger_statement_index');
  });
  await knex.schema.createTable('usage_totals', (t) => {
    t.string('client_id', 64).notNullable();
    t.string('month', 7).notNullable();
    t.string('vin', 17).notNullable();
    t.integer('events').notNullable();
    t.integer('amount_cents').notNullable();
    t.integer('last_charge_cents').notNullable();
    t.primary(['client_id', 'month', 'vin']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index clearances_app_listing_index');
  await knex.schema.dropTable('usage_totals');
  await knex.schema.dropTable('usage_ledger');
  await knex.schema.alterTable('fleets', (t) => {
    t.dropColumn('event_types');
  });
  await knex.schema.alterTable('apps', (t) => {
    t.dropColumn('event_types');
  });
}
