// An app's security profile and, for the FAPI 2.0 profile, the public JSON Web Key Set its client
// assertions are verified with. Both nullable: an app registered before has the default profile.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apps', (t) => {
    t.text('security_profile').nullable();
    t.text('jwks').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apps', (t) => {
    t.dropColumn('jwks');
    t.dropColumn('security_profile');
  });
}
