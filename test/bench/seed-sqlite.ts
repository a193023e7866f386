// Seeds a SQLite data set with prepared statements (cached under .bench/ by size) and hands out work copies.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  type DatasetMeta,
  type DatasetSpec,
  datasetKey,
  newMeta,
  registerClients,
  rowsFor,
  totalGrants,
} from './dataset.ts';

export const benchDir = resolve('.bench');

export interface SqliteDataset {
  file: string;
  meta: DatasetMeta;
  /** True when it was seeded in this run (seedSeconds then is this run's seeding time). */
  fresh: boolean;
}

async function seed(file: string, spec: DatasetSpec): Promise<DatasetMeta> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  const meta = newMeta(spec, await registerClients({ sqliteFile: file }));
  const started = performance.now();
  const db = new Database(file);
  // The whole load is one transaction in a page cache larger than the file (4 GB; the 1M-grant file is
  // 1.8 GB), with no journal: each page is written once, at the commit. In batches through the log, random
  // keys dirtied most of the file in every batch, and each dirty page was written to the log and then copied
  // back (the 1M-grant set took 112–125 s instead of about 80). A seed that fails midway is seeded again.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -4000000');
  const account = db.prepare(
    'insert into accounts (id, email, country, locale, created_at, updated_at) values (@id, @email, @country, @locale, @created_at, @updated_at)',
  );
  const payload = db.prepare(
    'insert into oidc_payloads (model, id, payload, grant_id, expires_at) values (@model, @id, @payload, @grant_id, @expires_at)',
  );
  const clearance = db.prepare(
    `insert into clearances (id, grant_id, account_id, client_id, brand, provider, vin, scopes, status, status_changed_at, created_at, grant_expires_at)
     values (@id, @grant_id, @account_id, @client_id, @brand, @provider, @vin, @scopes, @status, @status_changed_at, @created_at, @grant_expires_at)`,
  );
  const load = db.transaction((total: number) => {
    for (let i = 0; i < total; i++) {
      const rows = rowsFor(meta, i);
      account.run(rows.account);
      for (const row of rows.payloads) payload.run(row);
      clearance.run(rows.clearance);
    }
  });
  // Secondary indexes are dropped for the bulk load and rebuilt afterwards (a sorted build is much faster).
  const indexes = db
    .prepare(
      "select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in ('oidc_payloads', 'accounts', 'clearances')",
    )
    .all() as { name: string; sql: string }[];
  for (const index of indexes) db.exec(`drop index ${index.name}`);
  load(totalGrants(spec));
  for (const index of indexes) db.exec(index.sql);
  db.pragma('journal_mode = WAL');
  db.exec('analyze');
  db.close();
  meta.seedSeconds = (performance.now() - started) / 1000;
  return meta;
}

/** The cached data set for `spec`, seeding it first when missing. */
export async function sqliteDataset(spec: DatasetSpec): Promise<SqliteDataset> {
  mkdirSync(benchDir, { recursive: true });
  const file = join(benchDir, `sqlite-${datasetKey(spec)}.sqlite`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) {
    return { file, meta: JSON.parse(readFileSync(metaFile, 'utf8')) as DatasetMeta, fresh: false };
  }
  rmSync(metaFile, { force: true });
  const meta = await seed(file, spec);
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return { file, meta, fresh: true };
}

/** A path for a new SQLite file of a scenario's own in `.bench/work/` (any earlier one is removed). */
export function sqliteWorkFile(name: string): string {
  const dir = join(benchDir, 'work');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${name}.sqlite`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  return target;
}

/** A throwaway copy for scenarios that write (callbacks, code redemption, journeys). */
export function sqliteWorkCopy(dataset: SqliteDataset, name: string): string {
  const target = sqliteWorkFile(name);
  copyFileSync(dataset.file, target);
  return target;
}
