// An app's webhook signing secret can be rotated with an overlap: the previous secret keeps signing beside
// the new one until it expires, so the app keeps it and its expiry.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apps', (t) => {
    t.string('previous_webhook_secret', 128);
    t.bigInteger('previous_webhook_secret_expires_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('apps', (t) => {
    t.dropColumn('previous_webhook_secret_expires_at');
    t.dropColumn('previous_webhook_secret');
  });
}
