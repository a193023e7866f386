// Seeds a PostgreSQL data set (database keyturn_bench_<key>, kept between runs) with batched unnest INSERTs
// from two connections, keys and indexes built after the load.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  type DatasetMeta,
  type DatasetSpec,
  datasetKey,
  newMeta,
  registerClients,
  rowsFor,
  totalGrants,
} from './dataset.ts';
import {
  createBenchFleet,
  type FleetMeta,
  type FleetSpec,
  fleetCounts,
  fleetDatasetKey,
  fleetVehicleRows,
} from './fleet-dataset.ts';

export const postgresServer =
  process.env.KEYTURN_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresDataset {
  database: string;
  url: string;
  meta: DatasetMeta;
  fresh: boolean;
}

export const urlFor = (database: string) => {
  const url = new URL(postgresServer);
  url.pathname = `/${database}`;
  return url.href;
};

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const loadedTables = ['accounts', 'oidc_payloads', 'clearances'] as const;
const grantsPerBatch = 5_000;
/** Batches in flight at once, each on a connection of its own: one is made while another is inserted. */
const loaders = 2;

/**
 * One multi-row INSERT from arrays (unnest), its columns those of the rows; `…_at` columns are bigints, the
 * others text unless `types` names their type.
 */
async function insertRows(
  client: pg.Client,
  table: string,
  rows: object[],
  types: Record<string, string> = {},
) {
  const names = Object.keys(rows[0] ?? {});
  if (names.length === 0) return;
  const arrays = names.map(
    (name, n) => `$${n + 1}::${types[name] ?? (name.endsWith('_at') ? 'bigint' : 'text')}[]`,
  );
  await client.query(
    `insert into ${table} (${names.join(', ')}) select * from unnest(${arrays.join(', ')})`,
    names.map((name) => rows.map((row) => (row as Record<string, unknown>)[name] ?? null)),
  );
}

/** Items 0…total-1 in batches of `perBatch`, each batch one transaction, from `loaders` connections. */
async function loadInBatches(
  url: string,
  total: number,
  perBatch: number,
  insertBatch: (client: pg.Client, from: number, to: number) => Promise<void>,
) {
  let next = 0;
  const load = async (client: pg.Client) => {
    await client.query('set synchronous_commit = off');
    while (next < total) {
      // Claimed before the first await: the other loaders move `next` on meanwhile.
      const from = next;
      const to = Math.min(total, from + perBatch);
      next = to;
      await client.query('begin');
      await insertBatch(client, from, to);
      await client.query('commit');
    }
  };
  await Promise.all(Array.from({ length: loaders }, () => withClient(url, load)));
}

async function loadGrants(url: string, meta: DatasetMeta) {
  await loadInBatches(url, totalGrants(meta.spec), grantsPerBatch, async (client, from, to) => {
    const grants = Array.from({ length: to - from }, (_, k) => rowsFor(meta, from + k));
    await insertRows(
      client,
      'accounts',
      grants.map((g) => g.account),
    );
    await insertRows(
      client,
      'oidc_payloads',
      grants.flatMap((g) => g.payloads),
    );
    await insertRows(
      client,
      'clearances',
      grants.map((g) => g.clearance),
    );
  });
}

/**
 * Runs `load` with the tables' plain secondary indexes and their keys dropped, then builds them back. Kept
 * up row by row, random keys made the load touch pages all over indexes larger than PostgreSQL's buffers;
 * added back after the load, as pg_restore does, each is built from one sort.
 */
async function withoutKeys(client: pg.Client, tables: readonly string[], load: () => Promise<void>) {
  await client.query("set maintenance_work_mem = '256MB'");
  // Plain secondary indexes (not constraints).
  const indexes = (
    await client.query(
      `select indexname, indexdef from pg_indexes i
       where tablename = any($1)
         and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
      [tables],
    )
  ).rows as { indexname: string; indexdef: string }[];
  // Their keys: primary and unique, and the foreign keys of other, empty tables that point at them.
  const keys = (
    await client.query(
      `select conrelid::regclass::text as table_name, conname as name, pg_get_constraintdef(oid) as definition
       from pg_constraint
       where (conrelid::regclass::text = any($1) and contype in ('p', 'u'))
          or (confrelid::regclass::text = any($1) and contype = 'f')
       order by contype = 'f' desc`,
      [tables],
    )
  ).rows as { table_name: string; name: string; definition: string }[];
  for (const index of indexes) await client.query(`drop index ${index.indexname}`);
  for (const key of keys) await client.query(`alter table ${key.table_name} drop constraint ${key.name}`);
  await load();
  for (const key of keys.toReversed())
    await client.query(`alter table ${key.table_name} add constraint ${key.name} ${key.definition}`);
  for (const index of indexes) await client.query(index.indexdef);
  // As pgbench does after loading: VACUUM sets every row's hint bits and the visibility map. Without it the
  // first read of each row dirties its page (written out again later), and the covering index behind
  // introspection cannot be read alone (an index-only scan still visits the table while the map is empty).
  await client.query('vacuum (analyze)');
}

/** Keeps a data set's meta in its own database (the settings table), where postgresDataset finds it. */
async function storeMeta(client: pg.Client, meta: object) {
  await client.query(
    `insert into settings (name, value) values ('bench_dataset', $1)
     on conflict (name) do update set value = excluded.value`,
    [JSON.stringify(meta)],
  );
}

/** Drops and creates the database `name` (empty); returns its URL. */
async function freshDatabase(database: string): Promise<string> {
  await withClient(postgresServer, async (admin) => {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database}`);
  });
  return urlFor(database);
}

async function seed(database: string, spec: DatasetSpec): Promise<DatasetMeta> {
  const url = await freshDatabase(database);
  const meta = newMeta(spec, await registerClients({ databaseUrl: url }));
  const started = performance.now();
  await withClient(url, async (client) => {
    await withoutKeys(client, loadedTables, () => loadGrants(url, meta));
    meta.seedSeconds = (performance.now() - started) / 1000;
    await storeMeta(client, meta);
  });
  return meta;
}

/** The data set kept in database `database`, seeding it when missing or incomplete (no stored meta). */
async function cachedDatabase<M>(database: string, seedDatabase: () => Promise<M>) {
  const exists = await withClient(postgresServer, async (admin) => {
    const found = await admin.query('select 1 from pg_database where datname = $1', [database]);
    return found.rowCount === 1;
  });
  if (exists) {
    const stored = await withClient(urlFor(database), async (client) => {
      try {
        const row = await client.query("select value from settings where name = 'bench_dataset'");
        return row.rows[0]?.value as string | undefined;
      } catch {
        return undefined;
      }
    });
    if (stored) return { database, url: urlFor(database), meta: JSON.parse(stored) as M, fresh: false };
  }
  const meta = await seedDatabase();
  return { database, url: urlFor(database), meta, fresh: true };
}

/** The data set for `spec` on the PostgreSQL server, seeding it when missing or incomplete. */
export async function postgresDataset(spec: DatasetSpec): Promise<PostgresDataset> {
  const database = `keyturn_bench_${datasetKey(spec)}`;
  return cachedDatabase<DatasetMeta>(database, () => seed(database, spec));
}

export interface PostgresFleetDataset {
  database: string;
  url: string;
  meta: FleetMeta;
  fresh: boolean;
}

const fleetTables = ['clearances', 'fleet_vehicles'] as const;
const vehiclesPerBatch = 10_000;

async function seedFleet(database: string, spec: FleetSpec): Promise<FleetMeta> {
  const url = await freshDatabase(database);
  const fleet = await createBenchFleet({ databaseUrl: url });
  const meta: FleetMeta = {
    spec,
    salt: randomBytes(8).toString('hex'),
    fleet,
    counts: { connected: 0, pending: 0, errors: 0, disconnected: 0 },
    seededAt: Date.now(),
    seedSeconds: 0,
  };
  meta.counts = fleetCounts(meta);
  const started = performance.now();
  await withClient(url, async (client) => {
    await withoutKeys(client, fleetTables, () =>
      loadInBatches(url, spec.vehicles, vehiclesPerBatch, async (batchClient, from, to) => {
        const rows = Array.from({ length: to - from }, (_, k) => fleetVehicleRows(meta, from + k));
        await insertRows(
          batchClient,
          'clearances',
          rows.map((r) => r.clearance),
        );
        await insertRows(
          batchClient,
          'fleet_vehicles',
          rows.map((r) => r.vehicle),
          { odometer: 'integer' },
        );
      }),
    );
    for (const [category, count] of Object.entries(meta.counts))
      await client.query('insert into fleet_vehicle_counts (fleet_id, category, count) values ($1, $2, $3)', [
        fleet.id,
        category,
        count,
      ]);
    meta.seedSeconds = (performance.now() - started) / 1000;
    await storeMeta(client, meta);
  });
  return meta;
}

/** The fleet data set for `spec` on the PostgreSQL server, seeding it when missing or incomplete. */
export async function postgresFleetDataset(spec: FleetSpec): Promise<PostgresFleetDataset> {
  const database = `keyturn_bench_${fleetDatasetKey(spec)}`;
  return cachedDatabase<FleetMeta>(database, () => seedFleet(database, spec));
}

/** An empty database of a scenario's own (any earlier one is dropped); returns its URL. */
export function postgresWorkDatabase(name: string): Promise<string> {
  return freshDatabase(`keyturn_bench_work_${name}`);
}

/** A throwaway copy (CREATE DATABASE … TEMPLATE) for scenarios that write. */
export async function postgresWorkCopy(dataset: PostgresDataset, name: string): Promise<string> {
  const database = `keyturn_bench_work_${name}`;
  await withClient(postgresServer, async (admin) => {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database} template ${dataset.database}`);
  });
  return urlFor(database);
}

export async function dropPostgresDatabase(url: string): Promise<void> {
  const database = new URL(url).pathname.slice(1);
  await withClient(postgresServer, (admin) =>
    admin.query(`drop database if exists ${database} with (force)`),
  );
}
