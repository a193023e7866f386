// SQLite: oidc_payloads goes back to an ordinary (rowid) table keyed by (model, id). Measured on the token
// endpoint's writes (consume the code, insert the access and refresh tokens, commit) against a copy of the
// benchmark data: the WITHOUT ROWID table keeps each ~400-byte payload in a randomly placed primary-key
// leaf, so inserts split leaves often and a commit wrote 12.8 WAL pages; with a rowid table new rows are
// appended to the table's last page and only the small key entries land at random: 10 pages, and the
// statements plus commit cost about a third less CPU. Lookups by (model, id) cost the same. PostgreSQL
// tables are heaps already; nothing changes there.
import type { Knex } from 'knex';

const columns = 'model, id, payload, grant_id, uid, expires_at, consumed_at';

async function rebuild(knex: Knex, withoutRowid: boolean): Promise<void> {
  await knex.raw(`create table oidc_payloads_rebuilt (
      model varchar(40) not null,
      id varchar(255) not null,
      payload text not null,
      grant_id varchar(255),
      uid varchar(255),
      expires_at bigint,
      consumed_at bigint,
      primary key (model, id)
    )${withoutRowid ? ' without rowid' : ''}`);
  await knex.raw(`insert into oidc_payloads_rebuilt (${columns}) select ${columns} from oidc_payloads`);
  await knex.raw('drop table oidc_payloads');
  await knex.raw('alter table oidc_payloads_rebuilt rename to oidc_payloads');
  await knex.raw('create index oidc_payloads_grant_id_index on oidc_payloads (grant_id)');
  await knex.raw('create index oidc_payloads_expires_at_index on oidc_payloads (expires_at)');
  await knex.raw('create index oidc_payloads_uid_index on oidc_payloads (uid) where uid is not null');
}

const isSqlite = (knex: Knex) => knex.client.config.client !== 'pg';

export async function up(knex: Knex): Promise<void> {
  if (isSqlite(knex)) await rebuild(knex, false);
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) await rebuild(knex, true);
}
