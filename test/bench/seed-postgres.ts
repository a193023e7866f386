// Seeds a PostgreSQL data set (database keyturn_bench_<key>, kept between runs) with batched unnest INSERTs.
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

const columns = <T extends object>(rows: T[], key: keyof T) => rows.map((row) => row[key] ?? null);

async function seed(database: string, spec: DatasetSpec): Promise<DatasetMeta> {
  await withClient(postgresServer, async (admin) => {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database}`);
  });
  const url = urlFor(database);
  const meta = newMeta(spec, await registerClients({ databaseUrl: url }));
  const started = performance.now();
  await withClient(url, async (client) => {
    await client.query('set synchronous_commit = off');
    await client.query("set maintenance_work_mem = '256MB'");
    // Plain secondary indexes (not constraints) are dropped for the bulk load and rebuilt afterwards.
    const indexes = (
      await client.query(
        `select indexname, indexdef from pg_indexes i
         where tablename in ('oidc_payloads', 'accounts', 'clearances')
           and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
      )
    ).rows as { indexname: string; indexdef: string }[];
    for (const index of indexes) await client.query(`drop index ${index.indexname}`);
    const total = totalGrants(spec);
    for (let from = 0; from < total; from += 5_000) {
      const grants = [];
      for (let i = from; i < Math.min(total, from + 5_000); i++) grants.push(rowsFor(meta, i));
      const accounts = grants.map((g) => g.account);
      const payloads = grants.flatMap((g) => g.payloads);
      const clearances = grants.map((g) => g.clearance);
      await client.query('begin');
      await client.query(
        `insert into accounts (id, email, country, locale, created_at, updated_at)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])`,
        ['id', 'email', 'country', 'locale', 'created_at', 'updated_at'].map((k) =>
          columns(accounts, k as keyof (typeof accounts)[number]),
        ),
      );
      await client.query(
        `insert into oidc_payloads (model, id, payload, grant_id, expires_at)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])`,
        ['model', 'id', 'payload', 'grant_id', 'expires_at'].map((k) =>
          columns(payloads, k as keyof (typeof payloads)[number]),
        ),
      );
      const keys = [
        'id',
        'grant_id',
        'account_id',
        'client_id',
        'brand',
        'provider',
        'vin',
        'scopes',
        'status',
        'status_changed_at',
        'created_at',
      ] as const;
      await client.query(
        `insert into clearances (${keys.join(', ')})
         select * from unnest(${keys.map((k, n) => `$${n + 1}::${k.endsWith('_at') ? 'bigint' : 'text'}[]`).join(', ')})`,
        keys.map((k) => columns(clearances, k)),
      );
      await client.query('commit');
    }
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
