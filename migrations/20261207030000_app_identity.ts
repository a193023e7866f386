// How an app presents itself on the consent journey: links to its privacy policy and its terms, shown
// beside its name (its logo already has a column). Both optional: apps registered before keep none.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apps', (t) => {
    t.text('privacy_url').nullable();
    t.text('terms_url').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apps', (t) => {
    t.dropColumn('terms_url');
    t.dropColumn('privacy_url');
  });
}
