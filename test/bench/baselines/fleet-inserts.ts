// Baseline for batch registration: the rows fleetVehiclesRepository.register writes for each new vehicle (a
// clearances row, a fleet_vehicles row, a clearance_transitions row) and the fleet's pending count once per
// batch, as bare prepared-statement inserts in one transaction per batch, straight on the engine: no HTTP,
// no checks, no knex. Runs as a process of its own on the server core (see scenarios/fleet.ts); its job
// comes as JSON in argv[2] and its figures leave as one JSON line on stdout.
import Database from 'better-sqlite3';
import pg from 'pg';
import { dataPoints } from '../../../src/domain/data-points.ts';
import { newVehicleId } from '../../../src/fleets/ids.ts';
import { searchKey } from '../../../src/storage/fleet-vehicles.ts';
import { registrationItem } from '../fleet-dataset.ts';

export interface BareInsertsJob {
  engine: 'sqlite' | 'postgres';
  sqliteFile?: string;
  databaseUrl?: string;
  fleet: { id: string; clientId: string };
  batchSize: number;
  /** Batches per measured run. */
  batches: number;
  warmupBatches: number;
  reps: number;
}

export interface BareInsertsRun {
  vehicles: number;
  seconds: number;
  /** This process's user + system CPU over the run. */
  cpuUs: number;
  /** Milliseconds per batch. */
  batchMs: number[];
}

export interface BareInsertsResult {
  runs: BareInsertsRun[];
  rssMb: number;
  /** At the end: the fleet's clearances, fleet_vehicles and clearance_transitions rows, and its pending count. */
  written: number[];
}

const job = JSON.parse(process.argv[2] ?? '{}') as BareInsertsJob;
const scopes = JSON.stringify([...dataPoints]);

const vehicleSql = `insert into fleet_vehicles (id, fleet_id, tracker_id, tracker_type, object_id, odometer,
  registration_document_id, registration_key, plate_key) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
const clearanceSql = `insert into clearances (id, grant_id, account_id, fleet_id, client_id, brand, provider, vin,
  scopes, status, oem_reference, last_event_at, status_changed_at, created_at, grant_expires_at, auth_method)
  values ($1, null, null, $2, $3, $4, $5, $6, $7, $8, null, null, $9, $10, null, null)`;
const transitionSql = `insert into clearance_transitions (clearance_id, from_status, to_status, cause,
  source_event_id, created_at) values ($1, null, $2, $3, null, $4)`;
const countSql = 'update fleet_vehicle_counts set count = count + $1 where fleet_id = $2 and category = $3';
const countInsertSql =
  'insert into fleet_vehicle_counts (fleet_id, category, count) values ($1, $2, $3) on conflict (fleet_id, category) do nothing';
/** The same statements with SQLite's anonymous parameters (each `$n` above is used once, in order). */
const forSqlite = (sql: string) => sql.replace(/\$\d+/g, '?');

/** The values of one vehicle's three rows, as register makes them. */
function rowsOf(n: number) {
  const item = registrationItem(n);
  const id = newVehicleId();
  const now = Date.now();
  return {
    vehicle: [
      id,
      job.fleet.id,
      item.tracker_id,
      item.type,
      JSON.stringify(item.object_id),
      null,
      null,
      `${item.provider}:${item.tracker_id}`,
      searchKey(item.object_id.license_plate),
    ],
    // A maker's vehicle: its VIN is its tracker id.
    clearance: [
      id,
      job.fleet.id,
      job.fleet.clientId,
      item.provider,
      item.provider,
      item.tracker_id,
      scopes,
      'pending',
      now,
      now,
    ],
    transition: [id, 'pending', 'fleet_registered', now],
  };
}

type Inserter = {
  batch(first: number, size: number): Promise<void>;
  written(): Promise<number[]>;
  close(): Promise<void>;
};

const writtenSql = [
  'select count(*) as n from clearances where fleet_id = $1',
  'select count(*) as n from fleet_vehicles where fleet_id = $1',
  'select count(*) as n from clearance_transitions t join clearances c on c.id = t.clearance_id where c.fleet_id = $1',
  "select coalesce(sum(count), 0) as n from fleet_vehicle_counts where fleet_id = $1 and category = 'pending'",
];

function sqliteInserter(file: string): Inserter {
  const db = new Database(file);
  // The pragmas of Keyturn's writer connection (src/db/sqlite/index.ts).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -2000');
  const vehicle = db.prepare(forSqlite(vehicleSql));
  const clearance = db.prepare(forSqlite(clearanceSql));
  const transition = db.prepare(forSqlite(transitionSql));
  const count = db.prepare(forSqlite(countSql));
  const countInsert = db.prepare(forSqlite(countInsertSql));
  const batch = db.transaction((first: number, size: number) => {
    for (let n = first; n < first + size; n++) {
      const rows = rowsOf(n);
      vehicle.run(rows.vehicle);
      clearance.run(rows.clearance);
      transition.run(rows.transition);
    }
    if (count.run(size, job.fleet.id, 'pending').changes === 0) {
      countInsert.run(job.fleet.id, 'pending', 0);
      count.run(size, job.fleet.id, 'pending');
    }
  });
  return {
    batch: async (first, size) => void batch.immediate(first, size),
    written: async () =>
      writtenSql.map((sql) => Number((db.prepare(forSqlite(sql)).get(job.fleet.id) as { n: number }).n)),
    close: async () => void db.close(),
  };
}

async function postgresInserter(url: string): Promise<Inserter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Named queries: each is parsed and planned once per connection, then only bound and executed.
  const run = (name: string, text: string, values: unknown[]) => client.query({ name, text, values });
  return {
    async batch(first, size) {
      await client.query('begin');
      for (let n = first; n < first + size; n++) {
        const rows = rowsOf(n);
        await run('vehicle', vehicleSql, rows.vehicle);
        await run('clearance', clearanceSql, rows.clearance);
        await run('transition', transitionSql, rows.transition);
      }
      if ((await run('count', countSql, [size, job.fleet.id, 'pending'])).rowCount === 0) {
        await run('count_insert', countInsertSql, [job.fleet.id, 'pending', 0]);
        await run('count', countSql, [size, job.fleet.id, 'pending']);
      }
      await client.query('commit');
    },
    async written() {
      const counts: number[] = [];
      for (const sql of writtenSql) counts.push(Number((await client.query(sql, [job.fleet.id])).rows[0]?.n));
      return counts;
    },
    close: () => client.end(),
  };
}

const inserter =
  job.engine === 'sqlite'
    ? sqliteInserter(job.sqliteFile ?? '')
    : await postgresInserter(job.databaseUrl ?? '');
let next = 1;
async function batches(count: number): Promise<number[]> {
  const times: number[] = [];
  for (let b = 0; b < count; b++) {
    const started = performance.now();
    await inserter.batch(next, job.batchSize);
    next += job.batchSize;
    times.push(performance.now() - started);
  }
  return times;
}

await batches(job.warmupBatches);
const runs: BareInsertsRun[] = [];
for (let rep = 0; rep < job.reps; rep++) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const batchMs = await batches(job.batches);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  runs.push({ vehicles: job.batches * job.batchSize, seconds, cpuUs: used.user + used.system, batchMs });
}
const written = await inserter.written();
await inserter.close();
const result: BareInsertsResult = { runs, rssMb: process.resourceUsage().maxRSS / 1024, written };
process.stdout.write(`${JSON.stringify(result)}\n`);
