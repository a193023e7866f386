// When the owner of a dashboard session last confirmed their password in it (epoch ms): downloading
// everything Keyturn holds about an owner asks for the password again unless it was confirmed moments ago,
// so a session left open on a shared computer does not hand out the owner's data.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('owner_sessions', (t) => {
    t.bigInteger('confirmed_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('owner_sessions', (t) => {
    t.dropColumn('confirmed_at');
  });
}
