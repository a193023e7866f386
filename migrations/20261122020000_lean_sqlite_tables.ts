// Fewer B-tree writes per token and per status change. SQLite: oidc_payloads becomes a WITHOUT ROWID table
// (the primary key is the table, so a token lookup or insert touches one tree, not two). Both engines: the
// `uid` index only holds the rows that have one (sessions, interactions), and the overdue-clearance sweep
// uses a partial index holding only clearances still waiting for the maker.
import type { Knex } from 'knex';

const waiting = "status in ('pending', 'pending_validation')";

export async function up(knex: Knex): Promise<void> {
  const sqlite = knex.client.config.client !== 'pg';
  if (sqlite) {
    await knex.raw(`create table oidc_payloads_lean (
      model varchar(40) not null,
      id varchar(255) not null,
      payload text not null,
      grant_id varchar(255),
      uid varchar(255),
      expires_at bigint,
      consumed_at bigint,
      primary key (model, id)
    ) without rowid`);
    await knex.raw(
      'insert into oidc_payloads_lean select model, id, payload, grant_id, uid, expires_at, consumed_at from oidc_payloads',
    );
    await knex.raw('drop table oidc_payloads');
    await knex.raw('alter table oidc_payloads_lean rename to oidc_payloads');
    await knex.raw('create index oidc_payloads_grant_id_index on oidc_payloads (grant_id)');
    await knex.raw('create index oidc_payloads_expires_at_index on oidc_payloads (expires_at)');
  } else {
    await knex.raw('drop index oidc_payloads_uid_index');
  }
  await knex.raw('create index oidc_payloads_uid_index on oidc_payloads (uid) where uid is not null');
  await knex.raw('drop index clearances_status_status_changed_at_index');
  await knex.raw(`create index clearances_waiting_index on clearances (created_at) where ${waiting}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index clearances_waiting_index');
  await knex.raw(
    'create index clearances_status_status_changed_at_index on clearances (status, status_changed_at)',
  );
  await knex.raw('drop index oidc_payloads_uid_index');
  await knex.raw('create index oidc_payloads_uid_index on oidc_payloads (uid)');
}
