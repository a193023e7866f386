// Initial schema: the authorization server's artifacts, apps and consumers, owners, journeys, clearances,
// the audit trail of clearance changes, the outbox, and generated keys. Times are epoch milliseconds.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settings', (t) => {
    t.string('name', 100).primary();
    t.text('value').notNullable();
  });

  await knex.schema.createTable('oidc_payloads', (t) => {
    t.string('model', 40).notNullable();
    t.string('id', 255).notNullable();
    t.text('payload').notNullable();
    t.string('grant_id', 255);
    t.string('uid', 255);
    t.bigInteger('expires_at');
    t.bigInteger('consumed_at');
    t.primary(['model', 'id']);
    t.index(['grant_id']);
    t.index(['uid']);
    t.index(['expires_at']);
  });

  await knex.schema.createTable('apps', (t) => {
    t.string('client_id', 64).primary();
    t.string('client_secret_hash', 128).notNullable();
    t.string('name', 200).notNullable();
    t.text('redirect_uris').notNullable();
    t.text('brands').notNullable();
    t.text('scopes').notNullable();
    t.text('logo_uri');
    t.text('webhook_url');
    t.string('webhook_secret', 128).notNullable();
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('consumers', (t) => {
    t.string('client_id', 64).primary();
    t.string('client_secret_hash', 128).notNullable();
    t.string('name', 200).notNullable();
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('accounts', (t) => {
    t.string('id', 64).primary();
    t.string('email', 320).notNullable().unique();
    t.string('country', 2).notNullable();
    t.string('locale', 8).notNullable();
    t.text('password_hash');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('saved_vehicles', (t) => {
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.string('vin', 17).notNullable();
    t.string('brand', 40).notNullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['account_id', 'vin']);
  });

  await knex.schema.createTable('password_links', (t) => {
    t.string('token_hash', 64).primary();
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at');
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('journeys', (t) => {
    t.string('uid', 255).primary();
    t.string('client_id', 64).notNullable();
    t.string('locale', 8).notNullable();
    t.string('country', 2);
    t.string('account_id', 64);
    t.boolean('account_is_new').notNullable().defaultTo(false);
    t.boolean('signed_in').notNullable().defaultTo(false);
    t.string('brand', 40);
    t.string('vin', 17);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at']);
  });

  await knex.schema.createTable('clearances', (t) => {
    t.string('id', 64).primary();
    t.string('grant_id', 255).notNullable().unique();
    t.string('account_id', 64).notNullable();
    t.string('client_id', 64).notNullable();
    t.string('brand', 40).notNullable();
    t.string('provider', 40).notNullable();
    t.string('vin', 17).notNullable();
    t.text('scopes').notNullable();
    t.string('status', 40).notNullable();
    t.string('oem_reference', 255);
    t.bigInteger('last_event_at');
    t.bigInteger('status_changed_at').notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['account_id']);
    t.index(['status', 'status_changed_at']);
  });

  await knex.schema.createTable('clearance_transitions', (t) => {
    t.bigIncrements('id');
    t.string('clearance_id', 64).notNullable();
    t.string('from_status', 40);
    t.string('to_status', 40).notNullable();
    t.string('cause', 60).notNullable();
    t.string('source_event_id', 255);
    t.bigInteger('created_at').notNullable();
    t.index(['clearance_id']);
  });

  await knex.schema.createTable('outbox', (t) => {
    t.bigIncrements('id');
    t.string('kind', 40).notNullable();
    t.text('payload').notNullable();
    t.string('dedupe_key', 255).unique();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('run_at').notNullable();
    t.bigInteger('locked_until');
    t.bigInteger('done_at');
    t.text('last_error');
    t.bigInteger('created_at').notNullable();
    t.index(['done_at', 'run_at']);
  });

  await knex.schema.createTable('dev_mail', (t) => {
    t.bigIncrements('id');
    t.string('to', 320).notNullable();
    t.text('subject').notNullable();
    t.text('text').notNullable();
    t.text('html');
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'dev_mail',
    'outbox',
    'clearance_transitions',
    'clearances',
    'journeys',
    'password_links',
    'saved_vehicles',
    'accounts',
    'consumers',
    'apps',
    'oidc_payloads',
    'settings',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
