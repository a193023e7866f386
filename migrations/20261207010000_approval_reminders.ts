// The reminders owners were sent while their clearance waited for the maker: one row per wait (the clearance
// and when that wait began) and reminder age, so each reminder goes out once, whichever process runs the
// sweep, and a clearance requested again starts its reminders afresh.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('approval_reminders', (t) => {
    t.string('clearance_id', 64).notNullable();
    // The start of the wait (epoch ms): the consent, or the latest request again.
    t.bigInteger('waiting_since').notNullable();
    // The age of the wait the reminder is for, in seconds (APPROVAL_REMINDERS).
    t.bigInteger('age_seconds').notNullable();
    t.bigInteger('queued_at').notNullable();
    t.primary(['clearance_id', 'waiting_since', 'age_seconds']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('approval_reminders');
}
