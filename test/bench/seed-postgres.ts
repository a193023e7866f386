// Seeds a PostgreSQL data set (database keyturn_bench_<key>, kept between runs) with batched unnest INSERTs
// from two connections, keys and indexes built after the load.
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

/** One multi-row INSERT from arrays (unnest), its columns those of the rows; `…_at` columns are bigints. */
async function insertRows(client: pg.Client, table: string, rows: object[]) {
  const names = Object.keys(rows[0] ?? {});
  if (names.length === 0) return;
  const arrays = names.map((name, n) => `$${n + 1}::${name.endsWith('_at') ? 'bigint' : 'text'}[]`);
  await client.query(
    `insert into ${table} (${names.join(', ')}) select * from unnest(${arrays.join(', ')})`,
    names.map((name) => rows.map((row) => (row as Record<string, unknown>)[name] ?? null)),
  );
}

async function loadGrants(url: string, meta: DatasetMeta) {
  const total = totalGrants(meta.spec);
  let next = 0;
  const load = async (client: pg.Client) => {
    await client.query('set synchronous_commit = off');
    while (next < total) {
      const from = next;
      next = Math.min(total, from + grantsPerBatch);
      const grants = Array.from({ length: next - from }, (_, k) => rowsFor(meta, from + k));
      await client.query('begin');
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
      await client.query('commit');
    }
  };
  await Promise.all(Array.from({ length: loaders }, () => withClient(url, load)));
}

async function seed(database: string, spec: DatasetSpec): Promise<DatasetMeta> {
  await withClient(postgresServer, async (admin) => {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database}`);
  });
  const url = urlFor(database);
  const meta = newMeta(spec, await registerClients({ databaseUrl: url }));
  const started = performance.now();
  await withClient(url, async (client) => {
    await client.query("set maintenance_work_mem = '256MB'");
    // Plain secondary indexes (not constraints) are dropped for the bulk load and rebuilt afterwards.
    const indexes = (
      await client.query(
        `select indexname, indexdef from pg_indexes i
         where tablename = any($1)
           and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
        [loadedTables],
      )
    ).rows as { indexname: string; indexdef: string }[];
    // So are their keys (primary and unique, and the foreign keys of other, empty tables that point at them):
    // kept up row by row, random keys made the load touch pages all over indexes larger than PostgreSQL's
    // buffers. Added back after the load, as pg_restore does, each is built from one sort.
    const keys = (
      await client.query(
        `select conrelid::regclass::text as table_name, conname as name, pg_get_constraintdef(oid) as definition
         from pg_constraint
         where (conrelid::regclass::text = any($1) and contype in ('p', 'u'))
            or (confrelid::regclass::text = any($1) and contype = 'f')
         order by contype = 'f' desc`,
        [loadedTables],
      )
    ).rows as { table_name: string; name: string; definition: string }[];
    for (const index of indexes) await client.query(`drop index ${index.indexname}`);
    for (const key of keys) await client.query(`alter table ${key.table_name} drop constraint ${key.name}`);
    await loadGrants(url, meta);
    for (const key of keys.toReversed())
      await client.query(`alter table ${key.table_name} add constraint ${key.name} ${key.definition}`);
    for (const index of indexes) await client.query(index.indexdef);
    // As pgbench does after loading: VACUUM sets every row's hint bits and the visibility map. Without it the
    // first read of each row dirties its page (written out again later), and the covering index behind
    // introspection cannot be read alone (an index-only scan still visits the table while the map is empty).
    await client.query('vacuum (analyze)');
    meta.seedSeconds = (performance.now() - started) / 1000;
    await client.query(
      `insert into settings (name, value) values ('bench_dataset', $1)
       on conflict (name) do update set value = excluded.value`,
      [JSON.stringify(meta)],
    );
  });
  return meta;
}

/** The data set for `spec` on the PostgreSQL server, seeding it when missing or incomplete. */
export async function postgresDataset(spec: DatasetSpec): Promise<PostgresDataset> {
  const database = `keyturn_bench_${datasetKey(spec)}`;
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
    if (stored)
      return { database, url: urlFor(database), meta: JSON.parse(stored) as DatasetMeta, fresh: false };
  }
  const meta = await seed(database, spec);
  return { database, url: urlFor(database), meta, fresh: true };
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
