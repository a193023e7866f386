// Scenarios of the fleet API. Batch registration: requests of `fleetBatchSize` new vehicles, one after
// another, beside the same rows written by bare inserts in a process of their own (baselines/fleet-inserts.ts),
// both counted per vehicle. Listing: pages of 100 of one category (pending or errors) of one large fleet,
// half of them the first page and half after a random cursor, so keyset pages are read all over the fleet.
import { spawn } from 'node:child_process';
import { encodeCursor } from '../../../src/fleet-api/list-query.ts';
import type { BareInsertsJob, BareInsertsResult } from '../baselines/fleet-inserts.ts';
import {
  type BenchFleet,
  categoryIds,
  type FleetMeta,
  fleetToken,
  registrationItem,
} from '../fleet-dataset.ts';
import { type LoadSpec, latencyStats, measured, medianSample, runLoad, type Sample } from '../load.ts';
import { compiledDirectory, type ServerHandle } from '../server-process.ts';
import { type Engine, fleetListName, pick, row, type ScenarioResult, type Settings } from './common.ts';

export const registrationName = (settings: Settings) =>
  `fleet batch registration ${settings.fleetBatches}×${settings.fleetBatchSize.toLocaleString('en-US')}`;

/** A sample of batches counted per vehicle: vehicles per second and CPU µs per vehicle (latency stays per batch). */
const perVehicle = (sample: Sample, size: number): Sample => ({
  ...sample,
  rps: sample.rps * size,
  cpuUsPerReq: sample.cpuUsPerReq / size,
});

/** The fleet's counts as the API answers them. */
async function countsOf(base: string, token: string): Promise<Record<string, number>> {
  const response = await fetch(`${base}/v1/fleet/vehicles?limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { counts?: Record<string, number> };
  if (!response.ok || !body.counts)
    throw new Error(`fleet listing failed: ${response.status} ${JSON.stringify(body)}`);
  return body.counts;
}

/**
 * Registration through the API on a database of its own: a warm-up of `fleetWarmupBatches` requests, then
 * `reps` runs of `fleetBatches` requests over one connection (each the next batch of new trackers); every
 * answer must report each vehicle created, and the fleet's pending count must hold them all at the end.
 */
export async function fleetRegistrationScenario(
  settings: Settings,
  server: ServerHandle,
  options: { engine: Engine; fleet: BenchFleet },
): Promise<ScenarioResult> {
  const token = await fleetToken(server.url, options.fleet);
  const size = settings.fleetBatchSize;
  let nextTracker = 1;
  const batchBody = () =>
    JSON.stringify({ vehicles: Array.from({ length: size }, () => registrationItem(nextTracker++)) });
  // Bodies are made before each run, not while it runs (one more than autocannon builds ahead).
  let bodies: string[] = [];
  const prepare = (amount: number) => {
    bodies = Array.from({ length: amount + 2 }, batchBody);
  };
  const created = '"created":true';
  const spec: LoadSpec = {
    url: server.url,
    connections: 1,
    duration: 600,
    request: {
      method: 'POST',
      path: '/v1/fleet/vehicles',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      next: () => ({ body: bodies.shift() ?? batchBody(), headers: {} }),
    },
    accept: (body) => body.split(created).length - 1 === size,
  };
  prepare(settings.fleetWarmupBatches);
  const warm = await runLoad({ ...spec, amount: settings.fleetWarmupBatches });
  const samples: Sample[] = [];
  let registered = warm.requests * size;
  for (let rep = 0; rep < settings.reps; rep++) {
    prepare(settings.fleetBatches);
    const run = await measured(server, () => runLoad({ ...spec, amount: settings.fleetBatches }));
    registered += run.requests * size;
    samples.push(perVehicle(run, size));
  }
  const sample = medianSample(samples);
  const result = row(
    {
      name: registrationName(settings),
      engine: options.engine,
      kind: 'fleet_registration',
      system: 'keyturn',
      unit: 'vehicle',
      notes: `vehicles/s and CPU µs per vehicle; latency per request of ${size}`,
    },
    sample,
    server,
  );
  const pending = (await countsOf(server.url, token)).pending;
  if (pending !== registered) {
    process.stderr.write(`fleet registration: ${pending} pending vehicles, ${registered} registered\n`);
    result.errors += 1;
  }
  result.errors += warm.errors;
  result.non2xx += warm.non2xx;
  return result;
}

function runBareInserts(job: BareInsertsJob): Promise<BareInsertsResult> {
  const script = `${compiledDirectory}/test/bench/baselines/fleet-inserts.js`;
  return new Promise((resolve, reject) => {
    // On the server core, as the servers are; taskset execs node.
    const child = spawn('taskset', ['-c', '0', process.execPath, script, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-8_000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bare inserts exited (${code}):\n${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as BareInsertsResult);
    });
  });
}

/** The batch registration's baseline: the same warm-up and runs of the same rows, as bare inserts. */
export async function bareInsertsScenario(
  settings: Settings,
  options: { engine: 'sqlite' | 'postgres'; sqliteFile?: string; databaseUrl?: string; fleet: BenchFleet },
): Promise<ScenarioResult> {
  const job: BareInsertsJob = {
    engine: options.engine,
    ...(options.sqliteFile ? { sqliteFile: options.sqliteFile } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    fleet: { id: options.fleet.id, clientId: options.fleet.clientId },
    batchSize: settings.fleetBatchSize,
    batches: settings.fleetBatches,
    warmupBatches: settings.fleetWarmupBatches,
    reps: settings.reps,
  };
  const result = await runBareInserts(job);
  const samples: Sample[] = result.runs.map((run) => ({
    requests: run.vehicles,
    seconds: run.seconds,
    rps: run.vehicles / run.seconds,
    cpuUsPerReq: run.cpuUs / run.vehicles,
    ...latencyStats(run.batchMs),
    errors: 0,
    non2xx: 0,
  }));
  const sample = medianSample(samples);
  // Every vehicle's three rows and the fleet's pending count, or the row counts as failed.
  const expected =
    (settings.fleetWarmupBatches + settings.reps * settings.fleetBatches) * settings.fleetBatchSize;
  if (result.written.some((n) => n !== expected))
    process.stderr.write(
      `bare inserts: ${result.written.join(', ')} rows/count written, ${expected} expected\n`,
    );
  return {
    name: registrationName(settings),
    engine: options.engine,
    kind: 'fleet_registration',
    system: 'bare',
    unit: 'vehicle',
    rps: sample.rps,
    cpu_us_per_req: sample.cpuUsPerReq,
    p50_ms: sample.p50,
    p99_ms: sample.p99,
    p999_ms: sample.p999,
    rss_mb: result.rssMb,
    errors: result.written.filter((n) => n !== expected).length,
    non2xx: 0,
    requests: sample.requests,
    ratio_vs_koa: null,
    ratio_vs_peer: null,
    notes: `bare prepared inserts, one transaction per ${settings.fleetBatchSize}; latency per batch`,
  };
}

const pageSize = 100;
const listedCategories = ['pending', 'errors'] as const;

export interface FleetListSet {
  server: ServerHandle;
  engine: Engine;
  meta: FleetMeta;
}

/** The listing's load on one set: a page of `pending` or `errors`, first or after a random cursor. */
async function listLoad(settings: Settings, set: FleetListSet): Promise<LoadSpec> {
  const { meta, server } = set;
  const token = await fleetToken(server.url, meta.fleet);
  const counts = await countsOf(server.url, token);
  for (const [category, count] of Object.entries(meta.counts))
    if (counts[category] !== count)
      throw new Error(`fleet data set: ${counts[category]} ${category} vehicles answered, ${count} seeded`);
  // Cursors: the category's vehicles that have a full page after them.
  const cursors = new Map(
    listedCategories.map((category) => [
      category,
      categoryIds(meta, category).slice(0, -pageSize).map(encodeCursor),
    ]),
  );
  const pagePath = () => {
    const category = pick([...listedCategories]);
    const path = `/v1/fleet/vehicles?category=${category}&limit=${pageSize}`;
    const after = cursors.get(category) ?? [];
    return after.length > 0 && Math.random() < 0.5 ? `${path}&cursor=${pick(after)}` : path;
  };
  return {
    url: server.url,
    connections: settings.connections,
    duration: settings.duration,
    request: {
      method: 'GET',
      path: '/v1/fleet/vehicles',
      headers: { authorization: `Bearer ${token}` },
      nextPath: pagePath,
    },
    // Every page asked for holds vehicles.
    accept: (body) => body.startsWith('{"vehicles":[{'),
  };
}

/**
 * Listing by one fleet owning the whole data set, on each set's server (the small and the big data set of
 * one engine, both running): before measuring, the counts each answers must be the data set's; every server
 * warms up, then the measured runs take turns (A B, B A, A B), as the journey's do, so a host that speeds up
 * or slows down weighs on both sets alike. One row per set.
 */
export async function fleetListScenario(settings: Settings, sets: FleetListSet[]): Promise<ScenarioResult[]> {
  const runs = [];
  for (const set of sets) runs.push({ set, spec: await listLoad(settings, set), errors: 0, non2xx: 0 });
  const samples = new Map(runs.map((run) => [run, [] as Sample[]]));
  for (const run of runs) {
    const warm = await runLoad({ ...run.spec, duration: settings.warmup });
    run.errors += warm.errors;
    run.non2xx += warm.non2xx;
  }
  for (let rep = 0; rep < settings.reps; rep++)
    for (const run of rep % 2 === 0 ? runs : [...runs].reverse())
      samples.get(run)?.push(await measured(run.set.server, () => runLoad(run.spec)));
  return runs.map((run) => {
    const { meta } = run.set;
    const result = row(
      {
        name: fleetListName(meta.spec.vehicles),
        engine: run.set.engine,
        kind: 'fleet_list',
        system: 'keyturn',
        notes: `one fleet of ${meta.spec.vehicles}: ${Object.entries(meta.counts)
          .map(([category, count]) => `${count} ${category}`)
          .join(', ')}; measured in alternation with ${runs.length - 1} other data set(s)`,
      },
      medianSample(samples.get(run) ?? []),
      run.set.server,
    );
    result.errors += run.errors;
    result.non2xx += run.non2xx;
    result.seed_seconds = meta.seedSeconds;
    return result;
  });
}
