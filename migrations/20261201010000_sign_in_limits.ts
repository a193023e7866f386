// The sign-in throttle's counts on PostgreSQL, shared by every Keyturn instance on the database (the
// table rate-limiter-flexible's PostgreSQL limiter reads and writes). SQLite runs one Keyturn server per
// database file, which counts in memory, so the table is not made there.
import type { Knex } from 'knex';

const postgres = (knex: Knex) => knex.client.config.client === 'pg';

export async function up(knex: Knex): Promise<void> {
  if (!postgres(knex)) return;
  await knex.raw(`create table sign_in_limits (
    key varchar(255) primary key,
    points integer not null default 0,
    expire bigint
  )`);
}

export async function down(knex: Knex): Promise<void> {
  if (!postgres(knex)) return;
  await knex.raw('drop table sign_in_limits');
}
