// Fleet users: Keyturn accounts (the same sign-in, passwords, links and sessions as owners) that are
// members of a fleet, as its admin or as a member.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('fleet_members', (t) => {
    t.string('fleet_id', 64).notNullable();
    t.string('account_id', 64).notNullable();
    t.string('role', 16).notNullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['fleet_id', 'account_id']);
    t.index(['account_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('fleet_members');
}
