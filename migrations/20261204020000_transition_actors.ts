// Who asked for a change, where a person did: a fleet user's account id on a transition made from the
// Platform (null for the maker, the sweeps, an owner's journey and the fleet API's client).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clearance_transitions', (t) => {
    t.string('actor', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clearance_transitions', (t) => {
    t.dropColumn('actor');
  });
}
