// The owner's consent records: one line per consent given and one per consent ended, never updated or
// deleted, except that erasing an account replaces its VIN with a keyed pseudonym (the record stays as proof
// of what was consented to, without naming the vehicle). `text_version` is the content hash of the exact
// wording the owner was shown (template and strings of that locale), so a later change of wording shows.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consent_records', (t) => {
    t.bigIncrements('id').primary();
    // 'consent' or 'withdrawal'.
    t.string('kind', 16).notNullable();
    t.string('account_id', 64).notNullable();
    t.string('clearance_id', 64).notNullable();
    t.string('client_id', 64).notNullable();
    // The app's name as the owner saw it then.
    t.string('app_name', 200).notNullable();
    t.string('brand', 40).notNullable();
    // The VIN, or after erasure its pseudonym (`erased:` and a keyed hash).
    t.string('vin', 80).notNullable();
    t.text('data_points').notNullable();
    t.string('text_version', 64).nullable();
    t.string('locale', 8).nullable();
    // What was consented through (`journey`, `request_again`), or how access ended.
    t.string('occasion', 40).notNullable();
    t.bigInteger('recorded_at').notNullable();
    t.index(['account_id', 'id'], 'consent_records_account_index');
    t.index(['clearance_id'], 'consent_records_clearance_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('consent_records');
}
