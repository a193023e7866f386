// Dashboard sessions kept on the server, so signing out ends a session everywhere its cookie may have been
// copied, and a new password ends every session of the account. A session is stored under the SHA-256 of
// its cookie value, as every other secret Keyturn keeps.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('owner_sessions', (t) => {
    t.string('id_hash', 64).primary();
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['account_id']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('owner_sessions');
}
