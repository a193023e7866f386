// A fleet's client secret can be rotated with an overlap: the previous secret keeps authenticating beside
// the new one until it expires, so a running integration can switch without a refusal. Kept hashed, as the
// current one is.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('fleets', (t) => {
    t.string('previous_client_secret_hash', 128);
    t.bigInteger('previous_client_secret_expires_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('fleets', (t) => {
    t.dropColumn('previous_client_secret_expires_at');
    t.dropColumn('previous_client_secret_hash');
  });
}
