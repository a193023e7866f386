// Seeds a SQLite data set with prepared statements (cached under .bench/ by size) and hands out work copies.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
import {
  createBenchFleet,
  type FleetMeta,
  type FleetSpec,
  fleetCounts,
  fleetDatasetKey,
  fleetVehicleRows,
} from './fleet-dataset.ts';

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
  // The whole load is one transaction in a page cache larger than the file (4 GB; the 1M-grant file is
  // 1.8 GB), with no journal: each page is written once, at the commit. In batches through the log, random
  // keys dirtied most of the file in every batch, and each dirty page was written to the log and then copied
  // back (the 1M-grant set took 112–125 s instead of about 80). A seed that fails midway is seeded again.
  const db = openForLoad(file);
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
  withoutIndexes(db, ['oidc_payloads', 'accounts', 'clearances'], () => load(totalGrants(spec)));
  db.pragma('journal_mode = WAL');
  db.exec('analyze');
  db.close();
  flushToDisk(file);
  meta.seedSeconds = (performance.now() - started) / 1000;
  return meta;
}

/**
 * Waits until the kernel has written the freshly loaded file to disk. Loaded without syncing, the 1M-grant
 * file left 1.8 GB of dirty pages, and their write-back ran during the first measurements after a seed:
 * introspection measured 336 µs per request there, and 190 µs in the next run on the same file.
 */
function flushToDisk(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Opens a file for a bulk load: one transaction, no journal, a page cache larger than the file. */
function openForLoad(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -4000000');
  return db;
}

/** Secondary indexes are dropped for the bulk load and rebuilt afterwards (a sorted build is much faster). */
function withoutIndexes(db: Database.Database, tables: string[], load: () => void): void {
  const indexes = db
    .prepare(
      `select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${tables.map(() => '?').join(', ')})`,
    )
    .all(...tables) as { name: string; sql: string }[];
  for (const index of indexes) db.exec(`drop index ${index.name}`);
  load();
  for (const index of indexes) db.exec(index.sql);
}

/** The file `.bench/sqlite-<key>.sqlite` and its meta beside it, seeding both first when missing. */
async function cached<M>(key: string, seedFile: (file: string) => Promise<M>) {
  mkdirSync(benchDir, { recursive: true });
  const file = join(benchDir, `sqlite-${key}.sqlite`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) {
    return { file, meta: JSON.parse(readFileSync(metaFile, 'utf8')) as M, fresh: false };
  }
  rmSync(metaFile, { force: true });
  const meta = await seedFile(file);
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return { file, meta, fresh: true };
}

/** The cached data set for `spec`, seeding it first when missing. */
export async function sqliteDataset(spec: DatasetSpec): Promise<SqliteDataset> {
  return cached<DatasetMeta>(datasetKey(spec), (file) => seed(file, spec));
}

export interface SqliteFleetDataset {
  file: string;
  meta: FleetMeta;
  fresh: boolean;
}

/** One fleet's vehicles, loaded like the grants (one transaction, indexes built afterwards). */
async function seedFleet(file: string, spec: FleetSpec): Promise<FleetMeta> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  const fleet = await createBenchFleet({ sqliteFile: file });
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
  const db = openForLoad(file);
  const clearance = db.prepare(
    `insert into clearances (id, grant_id, account_id, fleet_id, client_id, brand, provider, vin, scopes, status,
      oem_reference, last_event_at, status_changed_at, created_at, grant_expires_at, auth_method)
     values (@id, @grant_id, @account_id, @fleet_id, @client_id, @brand, @provider, @vin, @scopes, @status,
      @oem_reference, @last_event_at, @status_changed_at, @created_at, @grant_expires_at, @auth_method)`,
  );
  const vehicle = db.prepare(
    `insert into fleet_vehicles (id, fleet_id, tracker_id, tracker_type, object_id, odometer,
      registration_document_id, registration_key, plate_key)
     values (@id, @fleet_id, @tracker_id, @tracker_type, @object_id, @odometer,
      @registration_document_id, @registration_key, @plate_key)`,
  );
  const count = db.prepare('insert into fleet_vehicle_counts (fleet_id, category, count) values (?, ?, ?)');
  const load = db.transaction(() => {
    for (let i = 0; i < spec.vehicles; i++) {
      const rows = fleetVehicleRows(meta, i);
      clearance.run(rows.clearance);
      vehicle.run(rows.vehicle);
    }
    for (const [category, n] of Object.entries(meta.counts)) count.run(fleet.id, category, n);
  });
  withoutIndexes(db, ['clearances', 'fleet_vehicles'], () => load());
  db.pragma('journal_mode = WAL');
  db.exec('analyze');
  db.close();
  flushToDisk(file);
  meta.seedSeconds = (performance.now() - started) / 1000;
  return meta;
}

/** The cached fleet data set for `spec`, seeding it first when missing. */
export async function sqliteFleetDataset(spec: FleetSpec): Promise<SqliteFleetDataset> {
  return cached<FleetMeta>(fleetDatasetKey(spec), (file) => seedFleet(file, spec));
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
