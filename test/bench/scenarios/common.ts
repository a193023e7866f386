// What every scenario shares: run settings, warm-up + repeated measured runs, and the result row.
import { type LoadSpec, measured, medianSample, runLoad, type Sample } from '../load.ts';
import { runPacedApart } from '../paced-load.ts';
import type { ServerHandle } from '../server-process.ts';

export interface Settings {
  quick: boolean;
  warmup: number;
  duration: number;
  reps: number;
  connections: number;
  bigGrants: number;
  smallGrants: number;
  pendingClearances: number;
  codes: number;
  journeyConcurrency: number;
  /** Journeys run before the journey scenario's measured runs. */
  journeyWarmup: number;
  /** Fixed introspection rate while measuring its latency beside callbacks. */
  sideRate: number;
  /** Batch registration: vehicles per request, requests per measured run, and requests of warm-up. */
  fleetBatchSize: number;
  fleetBatches: number;
  fleetWarmupBatches: number;
  /** Vehicles of the one fleet in the listing's two data sets. */
  bigFleet: number;
  smallFleet: number;
  postgres: boolean;
  profileDir?: string;
  only?: string[];
}

export type Engine = 'sqlite' | 'postgres' | 'memory';

export interface ScenarioResult {
  name: string;
  engine: Engine;
  /** Which peer figure this row compares with (peer rows' `kind`). */
  kind:
    | 'hello'
    | 'introspection'
    | 'code_exchange'
    | 'journey'
    | 'callbacks'
    | 'introspection_side'
    | 'fleet_registration'
    | 'fleet_list'
    | 'event_callbacks'
    | 'event_fanout';
  /**
   * `bare`: the same work without Keyturn (the batch registration's rows by bare inserts; the event
   * fan-out's bodies signed and POSTed by a bare loop).
   */
  system: 'keyturn' | 'peer' | 'koa' | 'bare';
  /** What rps and cpu_us_per_req count when not requests (batch registration: vehicles; fan-out: deliveries). */
  unit?: 'vehicle' | 'delivery';
  rps: number;
  cpu_us_per_req: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  rss_mb: number;
  errors: number;
  non2xx: number;
  requests: number;
  ratio_vs_koa: number | null;
  ratio_vs_peer: number | null;
  /** p99 with an open-loop rate of half the measured rps. */
  p99_half_ms?: number;
  /** Share of the server's core in use during that run (%): its rate × its CPU per request. */
  busy_half_pct?: number;
  /** For the side introspection: its p99 with no other load. */
  idle_p99_ms?: number;
  seed_seconds?: number;
  notes?: string;
}

export function row(
  base: Pick<ScenarioResult, 'name' | 'engine' | 'kind' | 'system'> & Partial<ScenarioResult>,
  sample: Sample,
  server: ServerHandle,
): ScenarioResult {
  return {
    rps: sample.rps,
    cpu_us_per_req: sample.cpuUsPerReq,
    p50_ms: sample.p50,
    p99_ms: sample.p99,
    p999_ms: sample.p999,
    rss_mb: server.peakRssMb(),
    errors: sample.errors,
    non2xx: sample.non2xx,
    requests: sample.requests,
    ratio_vs_koa: null,
    ratio_vs_peer: null,
    ...base,
  };
}

/** Warm-up (not measured), then `reps` measured runs of the same load; the median of each figure. */
export async function repeated(server: ServerHandle, settings: Settings, spec: LoadSpec): Promise<Sample> {
  await runLoad({ ...spec, duration: settings.warmup });
  const samples: Sample[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    samples.push(await measured(server, () => runLoad({ ...spec, duration: settings.duration })));
  }
  return medianSample(samples);
}

/**
 * Latency at half the measured capacity: evenly spaced open-loop requests from a process of its own (the
 * orchestrator's heap and event loop added tens of milliseconds to some p99s), `reps` runs, the median.
 * Bodies are drawn from a sample made here; a 2xx answer must contain `accept`. Its CPU per request is the
 * server's over the measured requests only, so rate × CPU per request is the share of the core in use.
 */
export async function atHalfCapacity(
  server: ServerHandle,
  settings: Settings,
  spec: LoadSpec,
  rps: number,
  accept: string,
) {
  const { request } = spec;
  const { body } = request;
  const bodies = Array.from({ length: 20_000 }, () => (typeof body === 'function' ? body() : (body ?? '')));
  const runs: Sample[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    const paced = await runPacedApart({
      url: spec.url,
      path: request.path,
      method: request.method ?? 'GET',
      headers: request.headers ?? {},
      bodies,
      accept,
      maxSockets: spec.connections,
      duration: settings.duration,
      warmup: settings.warmup,
      rate: Math.max(1, rps / 2),
      serverPid: server.pid,
    });
    runs.push({ ...paced, cpuUsPerReq: paced.serverCpuUsPerReq });
  }
  return medianSample(runs);
}

export const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/**
 * For work that uses items up (codes, callbacks): a short warm-up estimates the rate, then `reps` measured
 * runs, each bounded by a request count (what one run of `duration` seconds needs, and what is left).
 */
export async function repeatedConsuming(
  server: ServerHandle,
  settings: Settings,
  spec: LoadSpec,
  remaining: () => number,
  beforeRun: (amount: number) => void = () => {},
): Promise<Sample> {
  const warmAmount = Math.max(
    20,
    Math.min(Math.floor(remaining() / (settings.reps + 3)), settings.quick ? 200 : 2_000),
  );
  beforeRun(warmAmount);
  const warm = await runLoad({ ...spec, amount: warmAmount, duration: settings.warmup * 5 });
  const samples: Sample[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    const amount = Math.max(
      1,
      Math.min(
        Math.floor(remaining() / (settings.reps - rep)),
        Math.ceil(warm.rps * settings.duration * 1.5),
      ),
    );
    beforeRun(amount);
    samples.push(await measured(server, () => runLoad({ ...spec, amount, duration: settings.duration * 4 })));
  }
  return medianSample(samples);
}

/** The listing's row for a fleet of `vehicles` (one row per data set, compared by checkTargets). */
export const fleetListName = (vehicles: number) => `fleet list page of 100 by category, ${vehicles} vehicles`;

/** The vehicle events' rows: inbound location callbacks, their reference measured in turns, the fan-out. */
export const locationCallbacksName = 'callbacks vehicle_location_changed';
export const referenceCallbacksName = 'callbacks authorization_changed, in turns with location';
export const fanOutName = 'event webhooks to a local receiver';
