// A new password marks every other link mailed to the account used, so the links are found by account.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('password_links', (t) => {
    t.index(['account_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('password_links', (t) => {
    t.dropIndex(['account_id']);
  });
}
