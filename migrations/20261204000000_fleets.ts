// Fleets: operators that register the vehicles and trackers they own, with no owner journey. A fleet is an
// OAuth client (client credentials) with a webhook endpoint. Each registered vehicle is a clearance (the
// same status, relay, callbacks and audit trail as an owner's), owned by the fleet instead of an account
// and a grant, with its registration details beside it. The fleet's counts per status category are kept
// with every change, so listing stays as fast with a million vehicles as with ten thousand.
import type { Knex } from 'knex';

const fleetWaiting = "fleet_id is not null and status = 'pending_validation'";
const ownerWaiting = "fleet_id is null and status in ('pending', 'pending_validation')";
const anyWaiting = "status in ('pending', 'pending_validation')";
const fleetPending =
  "fleet_id is not null and status in ('pending', 'pending_validation', 'pending_for_data')";
const fleetErrors =
  "fleet_id is not null and status in ('wrong_tracker_id', 'error_data', 'error_capability', 'error_rejected', 'error_revoke', 'error_time_out', 'error_validating')";

const sqlite = (knex: Knex) => knex.client.config.client !== 'pg';

/**
 * What a listed page shows of each clearance, after the keyset's (fleet_id, id): carried in the listing's
 * indexes, so a page is read from the index alone, never from the clearances' rows.
 */
const listed = 'status, provider, vin, status_changed_at, created_at';

/**
 * SQLite cannot change NOT NULL in place: the table is rebuilt with the same rows and indexes, with
 * fleet_id (nullable) or without it (not nullable).
 */
async function rebuildSqliteClearances(knex: Knex, nullable: boolean): Promise<void> {
  const indexes = (await knex.raw(
    "select sql from sqlite_master where type = 'index' and tbl_name = 'clearances' and sql is not null",
  )) as { sql: string }[];
  const required = nullable ? '' : ' not null';
  await knex.raw(`create table clearances_rebuilt (
    id varchar(64) primary key,
    grant_id varchar(255)${required},
    account_id varchar(64)${required},
    client_id varchar(64) not null,
    brand varchar(40) not null,
    provider varchar(40) not null,
    vin varchar(17) not null,
    scopes text not null,
    status varchar(40) not null,
    oem_reference varchar(255),
    last_event_at bigint,
    status_changed_at bigint not null,
    created_at bigint not null,
    grant_expires_at bigint,
    auth_method varchar(8)${nullable ? ',\n    fleet_id varchar(64)' : ''}
  )`);
  await knex.raw(`insert into clearances_rebuilt select id, grant_id, account_id, client_id, brand, provider,
    vin, scopes, status, oem_reference, last_event_at, status_changed_at, created_at, grant_expires_at,
    auth_method${nullable ? ', null' : ''} from clearances`);
  await knex.raw('drop table clearances');
  await knex.raw('alter table clearances_rebuilt rename to clearances');
  for (const { sql } of indexes) await knex.raw(sql);
}

export async function up(knex: Knex): Promise<void> {
  if (sqlite(knex)) await rebuildSqliteClearances(knex, true);
  else
    await knex.raw(
      'alter table clearances alter column grant_id drop not null, alter column account_id drop not null, add column fleet_id varchar(64)',
    );

  await knex.schema.createTable('fleets', (t) => {
    t.string('id', 64).primary();
    t.string('name', 200).notNullable();
    t.string('admin_email', 320).notNullable();
    t.string('client_id', 64).notNullable().unique();
    t.string('client_secret_hash', 128).notNullable();
    t.text('webhook_url');
    t.string('webhook_secret', 128).notNullable();
    t.string('previous_webhook_secret', 128);
    t.bigInteger('previous_webhook_secret_expires_at');
    t.bigInteger('webhook_disabled_at');
    t.text('webhook_disabled_reason');
    t.bigInteger('created_at').notNullable();
  });

  await knex.raw('drop index clearances_waiting_index');
  await knex.raw(`create index clearances_waiting_index on clearances (created_at) where ${ownerWaiting}`);
  await knex.raw(
    `create index clearances_fleet_waiting_index on clearances (status_changed_at) where ${fleetWaiting}`,
  );
  await knex.raw(
    `create index clearances_fleet_index on clearances (fleet_id, id, ${listed}) where fleet_id is not null`,
  );
  await knex.raw(
    'create index clearances_fleet_status_index on clearances (fleet_id, status, id, provider, vin, status_changed_at, created_at) where fleet_id is not null',
  );
  await knex.raw(
    `create index clearances_fleet_pending_index on clearances (fleet_id, id, ${listed}) where ${fleetPending}`,
  );
  await knex.raw(
    `create index clearances_fleet_errors_index on clearances (fleet_id, id, ${listed}) where ${fleetErrors}`,
  );

  // The vehicle's id is its clearance's id. provider + tracker id is its registration key while it has not
  // ended: one live registration per tracker and fleet. SQLite keeps the rows in their key's tree (WITHOUT
  // ROWID), so reading a page's vehicles by id is one lookup each, not two.
  if (sqlite(knex)) {
    await knex.raw(`create table fleet_vehicles (
      id varchar(64) not null primary key,
      fleet_id varchar(64) not null,
      tracker_id varchar(64) not null,
      tracker_type varchar(8) not null,
      object_id text not null,
      odometer integer,
      registration_document_id varchar(64),
      registration_key varchar(120),
      plate_key varchar(32)
    ) without rowid`);
    await knex.raw(
      'create unique index fleet_vehicles_fleet_id_registration_key_unique on fleet_vehicles (fleet_id, registration_key)',
    );
  } else {
    await knex.schema.createTable('fleet_vehicles', (t) => {
      t.string('id', 64).primary();
      t.string('fleet_id', 64).notNullable();
      t.string('tracker_id', 64).notNullable();
      t.string('tracker_type', 8).notNullable();
      t.text('object_id').notNullable();
      t.integer('odometer');
      t.string('registration_document_id', 64);
      t.string('registration_key', 120);
      t.string('plate_key', 32);
      t.unique(['fleet_id', 'registration_key']);
    });
  }
  await knex.raw(
    'create index fleet_vehicles_fleet_id_tracker_id_index on fleet_vehicles (fleet_id, tracker_id)',
  );
  await knex.raw(
    'create index fleet_vehicles_fleet_id_plate_key_index on fleet_vehicles (fleet_id, plate_key)',
  );

  await knex.schema.createTable('fleet_vehicle_counts', (t) => {
    t.string('fleet_id', 64).notNullable();
    t.string('category', 16).notNullable();
    t.bigInteger('count').notNullable();
    t.primary(['fleet_id', 'category']);
  });

  await knex.schema.createTable('fleet_documents', (t) => {
    t.string('id', 64).primary();
    t.string('fleet_id', 64).notNullable();
    t.string('content_type', 40).notNullable();
    t.integer('size').notNullable();
    t.string('sha256', 64).notNullable();
    t.binary('content').notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['fleet_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('fleet_documents');
  await knex.schema.dropTable('fleet_vehicle_counts');
  await knex.schema.dropTable('fleet_vehicles');
  for (const index of ['fleet_errors', 'fleet_pending', 'fleet_status', 'fleet', 'fleet_waiting', 'waiting'])
    await knex.raw(`drop index clearances_${index}_index`);
  await knex('clearances').whereNotNull('fleet_id').delete();
  await knex.raw(`create index clearances_waiting_index on clearances (created_at) where ${anyWaiting}`);
  await knex.schema.dropTable('fleets');
  // The rebuild leaves fleet_id out.
  if (sqlite(knex)) await rebuildSqliteClearances(knex, false);
  else
    await knex.raw(
      'alter table clearances drop column fleet_id, alter column grant_id set not null, alter column account_id set not null',
    );
}
