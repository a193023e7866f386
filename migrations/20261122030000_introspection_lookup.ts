// Introspection reads a token and its clearance in one covering-index lookup: the grant's expiry is kept
// on the clearance (fixed when the grant is created), so the grant row need not be read per request.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clearances', (t) => {
    t.bigInteger('grant_expires_at');
  });
  await knex.raw(
    'create index clearances_introspection_index on clearances (grant_id, status, vin, brand, client_id, account_id, grant_expires_at)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index clearances_introspection_index');
  await knex.schema.alterTable('clearances', (t) => {
    t.dropColumn('grant_expires_at');
  });
}
