// An email address typed in the journey proves nothing until its owner enters the one-time code mailed to
// it: the journey keeps the address, the code's hash, expiry and attempts, and how the owner authenticated
// (`pwd` or `otp`, RFC 8176), which the consent records too. A journey gives at most one consent: the
// first Allow marks it (consented_at), a second click finds the mark. The counts of every rate limit (sign-in,
// code mails, consents) share one table on PostgreSQL, so the sign-in limits' table is renamed.
import type { Knex } from 'knex';

const postgres = (knex: Knex) => knex.client.config.client === 'pg';

export async function up(knex: Knex): Promise<void> {
  // Journeys live for an hour: those under way are dropped rather than translated.
  await knex('journeys').delete();
  await knex.schema.alterTable('journeys', (t) => {
    t.dropColumn('signed_in');
  });
  await knex.schema.alterTable('journeys', (t) => {
    t.string('email', 320);
    t.string('code_hash', 64);
    t.bigInteger('code_expires_at');
    t.integer('code_attempts').notNullable().defaultTo(0);
    t.string('auth_method', 8);
    t.bigInteger('consented_at');
  });
  await knex.schema.alterTable('clearances', (t) => {
    t.string('auth_method', 8);
  });
  if (postgres(knex)) await knex.raw('alter table sign_in_limits rename to rate_limits');
}

export async function down(knex: Knex): Promise<void> {
  if (postgres(knex)) await knex.raw('alter table rate_limits rename to sign_in_limits');
  await knex.schema.alterTable('clearances', (t) => {
    t.dropColumn('auth_method');
  });
  await knex('journeys').delete();
  await knex.schema.alterTable('journeys', (t) => {
    t.dropColumn('email');
    t.dropColumn('code_hash');
    t.dropColumn('code_expires_at');
    t.dropColumn('code_attempts');
    t.dropColumn('auth_method');
    t.dropColumn('consented_at');
  });
  await knex.schema.alterTable('journeys', (t) => {
    t.boolean('signed_in').notNullable().defaultTo(false);
  });
}
