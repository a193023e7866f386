// Scenarios of vehicle events, on a writable copy of the callbacks' data set in which the bench app
// subscribes to `vehicle_location_changed` with a webhook endpoint on a local receiver. Inbound: signed
// location callbacks for connected clearances (each taken in, queued for the app and charged on the usage
// ledger), measured in turns with `authorization_changed` callbacks on the same server. Fan-out: Keyturn's
// outbox worker (`keyturn worker`) drains the events those callbacks queued to the receiver, beside a bare
// loop that signs and POSTs the same bodies (baselines/webhook-sender.ts) at the worker's concurrency.
import { type ChildProcess, spawn } from 'node:child_process';
import { openDatabase } from '../../../src/db/index.ts';
import { vehicleEventJob } from '../../../src/relay/accept-vehicle-event.ts';
import { eventTypesColumn } from '../../../src/storage/webhook-secrets.ts';
import type { WebhookSenderJob, WebhookSenderResult } from '../baselines/webhook-sender.ts';
import { type DatasetMeta, pendingClearanceOf } from '../dataset.ts';
import { type LoadSpec, latencyStats, measured, medianSample, runLoad, type Sample } from '../load.ts';
import {
  clockTicksPerSecond,
  compiledDirectory,
  readPeakRssMb,
  type ServerHandle,
} from '../server-process.ts';
import type {
  ReceiverExpectation,
  ReceiverMessage,
  ReceiverReply,
  ReceiverReport,
} from '../webhook-receiver.ts';
import { signedBody, signedCallback } from './callbacks.ts';
import {
  type Engine,
  fanOutName,
  locationCallbacksName,
  referenceCallbacksName,
  type ScenarioResult,
  type Settings,
} from './common.ts';

/** The most jobs the outbox worker runs at once (createWorker's default `batchSize`). */
const workerBatchSize = 10;
const eventType = 'vehicle_location_changed';

export interface EventsDatabase {
  sqliteFile?: string;
  databaseUrl?: string;
}

export interface EventTarget {
  clearanceId: string;
  vin: string;
}

export interface EventsCopy {
  /** The connected clearances the location events are about. */
  targets: EventTarget[];
  /** The bench app's webhook secret (what its deliveries are signed with). */
  secret: string;
}

const openCopy = (database: EventsDatabase) =>
  openDatabase({ databaseUrl: database.databaseUrl, sqliteFile: database.sqliteFile ?? '' });

/**
 * Readies a writable copy of the callbacks' data set (before its server starts): the bench app subscribes
 * to location events at `webhookUrl`, and each connected clearance gets a VIN of its own, as the events of
 * many vehicles do (every event of one vehicle for one app in a month updates one running total).
 */
export async function prepareEventsCopy(
  database: EventsDatabase,
  meta: DatasetMeta,
  webhookUrl: string,
): Promise<EventsCopy> {
  const db = openCopy(database);
  try {
    const knex = db.query();
    const clientId = meta.app.clientId;
    await knex('apps')
      .where({ client_id: clientId })
      .update({ webhook_url: webhookUrl, ...eventTypesColumn([eventType]) });
    await knex('clearances')
      .where({ client_id: clientId, status: 'connected' })
      .update({ vin: knex.raw("upper('BNCH' || substr(replace(id, '-', ''), 1, 13))") });
    const targets = (await knex('clearances')
      .select('id', 'vin')
      .where({ client_id: clientId, status: 'connected' })
      .orderBy('id')) as { id: string; vin: string }[];
    const app = (await knex('apps').select('webhook_secret').where({ client_id: clientId }).first()) as
      | { webhook_secret: string }
      | undefined;
    if (targets.length === 0 || !app) throw new Error('events: no connected clearance or no bench app');
    return { targets: targets.map((t) => ({ clearanceId: t.id, vin: t.vin })), secret: app.webhook_secret };
  } finally {
    await db.close();
  }
}

/** One signed location callback: a new position of the target's vehicle. */
function locationCallback(target: EventTarget) {
  return signedBody(
    JSON.stringify({
      type: eventType,
      timestamp: new Date().toISOString(),
      data: {
        clearance_id: target.clearanceId,
        vin: target.vin,
        latitude: 48 + Math.random(),
        longitude: 11 + Math.random(),
        heading: Math.floor(Math.random() * 360),
      },
    }),
  );
}

/** Callbacks of one type that use their items up: bodies signed before each run, then sent in turn. */
interface CallbackLoad {
  name: string;
  spec: LoadSpec;
  prepare(amount: number): void;
  remaining(): number;
  warm?: { rps: number };
  samples: Sample[];
  errors: number;
  non2xx: number;
}

function callbackLoad(
  settings: Settings,
  server: ServerHandle,
  name: string,
  make: (n: number) => ReturnType<typeof signedBody>,
  available: number,
  accept: string,
): CallbackLoad {
  /** The next item never handed out. */
  let cursor = 0;
  let prepared: ReturnType<typeof signedBody>[] = [];
  let used = 0;
  return {
    name,
    spec: {
      url: server.url,
      connections: settings.connections,
      duration: 1,
      request: {
        method: 'POST',
        path: '/callbacks/bmw',
        headers: { 'content-type': 'application/json' },
        next: () => {
          const item = prepared[used++] ?? signedCallback('exhausted');
          cursor++;
          return item;
        },
      },
      accept: (body) => body.includes(accept),
    },
    // Signed just before each run, so the timestamps stay inside the 5-minute tolerance; a few more than
    // the run sends (autocannon builds requests ahead).
    prepare(amount) {
      prepared = [];
      used = 0;
      for (let n = 0; n < amount + settings.connections * 2 && cursor + n < available; n++)
        prepared.push(make(cursor + n));
    },
    remaining: () => available - cursor,
    samples: [],
    errors: 0,
    non2xx: 0,
  };
}

/**
 * Location callbacks (each queued and charged: the app subscribed) and `authorization_changed` callbacks
 * (each a real change of a distinct pending_validation clearance), on one server without its worker: each
 * warms up, then the measured runs take turns (location, reference; reference, location; …), so a host
 * that speeds up or slows down weighs on both alike. Each run is bounded by a request count: as many as
 * `duration` seconds take at its warm-up's rate (a little less at the steady rate; the group stays short).
 * Two rows; the target compares their CPU per request.
 */
export async function eventCallbacksScenario(
  settings: Settings,
  server: ServerHandle,
  options: { engine: Engine; meta: DatasetMeta; copy: EventsCopy },
): Promise<ScenarioResult[]> {
  const { targets } = options.copy;
  const location = callbackLoad(
    settings,
    server,
    locationCallbacksName,
    (n) => locationCallback(targets[n % targets.length] as EventTarget),
    Number.POSITIVE_INFINITY,
    '"forwarded":true',
  );
  const reference = callbackLoad(
    settings,
    server,
    referenceCallbacksName,
    (n) => signedCallback(pendingClearanceOf(options.meta, n)),
    options.meta.spec.pendingValidation,
    '"outcome":"changed"',
  );
  const loads = [location, reference];
  for (const load of loads) {
    const amount = Math.max(
      20,
      Math.min(Math.floor(reference.remaining() / (settings.reps + 3)), settings.quick ? 200 : 2_000),
    );
    load.prepare(amount);
    const warm = await runLoad({ ...load.spec, amount, duration: settings.warmup * 5 });
    load.warm = warm;
    load.errors += warm.errors;
    load.non2xx += warm.non2xx;
  }
  for (let rep = 0; rep < settings.reps; rep++) {
    for (const load of rep % 2 === 0 ? loads : [...loads].reverse()) {
      const amount = Math.max(
        1,
        Math.min(
          Math.floor(load.remaining() / (settings.reps - rep)),
          Math.ceil((load.warm?.rps ?? 100) * settings.duration),
        ),
      );
      load.prepare(amount);
      load.samples.push(
        await measured(server, () => runLoad({ ...load.spec, amount, duration: settings.duration * 4 })),
      );
    }
  }
  return loads.map((load) => {
    const sample = medianSample(load.samples);
    return {
      name: load.name,
      engine: options.engine,
      kind: 'event_callbacks',
      system: 'keyturn',
      rps: sample.rps,
      cpu_us_per_req: sample.cpuUsPerReq,
      p50_ms: sample.p50,
      p99_ms: sample.p99,
      p999_ms: sample.p999,
      rss_mb: server.peakRssMb(),
      errors: sample.errors + load.errors,
      non2xx: sample.non2xx + load.non2xx,
      requests: sample.requests,
      ratio_vs_koa: null,
      ratio_vs_peer: null,
      notes:
        load === location
          ? `${targets.length} connected clearances in turn, app subscribed: queued + charged; worker off`
          : 'distinct pending_validation clearances approved; worker off',
    } satisfies ScenarioResult;
  });
}

// ---- Fan-out ----

export interface Receiver {
  url: string;
  /** Resets the count and sets how the next sender's deliveries are measured. */
  expect(expectation: ReceiverExpectation): void;
  /** The sender whose CPU is read at the runs' boundaries. */
  sender(pid: number): void;
  /** The report once the last measured run has arrived; rejects when `failed` settles first. */
  report(failed: Promise<never>): Promise<ReceiverReport>;
  /** Deliveries received since the last `expect`. */
  count(): Promise<{ received: number; rejected: number }>;
  close(): Promise<void>;
}

/** Starts the receiver (webhook-receiver.ts) as a process of its own on the load core. */
export async function startReceiver(): Promise<Receiver> {
  const script = `${compiledDirectory}/test/bench/webhook-receiver.js`;
  const child = spawn('taskset', ['-c', '1', process.execPath, script], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<ReceiverReply['type'], (reply: ReceiverReply) => void>();
  const arrived: ReceiverReply[] = [];
  child.on('message', (reply: ReceiverReply) => {
    const waiter = waiting.get(reply.type);
    if (waiter) {
      waiting.delete(reply.type);
      waiter(reply);
    } else arrived.push(reply);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`webhook receiver exited (${code})`))),
  );
  exited.catch(() => {});
  const next = <T extends ReceiverReply['type']>(type: T) =>
    new Promise<Extract<ReceiverReply, { type: T }>>((resolve) => {
      const index = arrived.findIndex((reply) => reply.type === type);
      if (index >= 0) resolve(arrived.splice(index, 1)[0] as Extract<ReceiverReply, { type: T }>);
      else waiting.set(type, resolve as (reply: ReceiverReply) => void);
    });
  const tell = (message: ReceiverMessage) => child.send(message);
  const listening = await Promise.race([next('listening'), exited]);
  return {
    url: `http://127.0.0.1:${listening.port}/webhooks`,
    expect(expectation) {
      arrived.length = 0;
      tell({ type: 'expect', expectation });
    },
    sender: (pid) => tell({ type: 'sender', pid }),
    report: async (failed) => (await Promise.race([next('report'), failed, exited])).report,
    async count() {
      tell({ type: 'count' });
      return Promise.race([next('count'), exited]);
    },
    async close() {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      await gone;
    },
  };
}

/** A process on the server core (`taskset` execs node, so its pid is the process's own). */
function onServerCore(args: string[], env: Record<string, string>): ChildProcess {
  return spawn('taskset', ['-c', '0', process.execPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with stdout when the process exits 0; rejects (with its stderr's end) otherwise. */
function outputOf(child: ChildProcess, name: string): Promise<string> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString('utf8')).slice(-8_000);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${name} exited (${code ?? signal}):\n${err}`));
    });
  });
}

/**
 * Rejects when no delivery arrives for `seconds` (a sender that stopped, or attempts that fail and wait to
 * be retried); `stop` ends the watch.
 */
function stallWatch(receiver: Receiver, seconds: number) {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    let last = -1;
    timer = setInterval(async () => {
      try {
        const { received } = await receiver.count();
        if (received === last)
          reject(new Error(`no webhook delivery arrived for ${seconds} s (${received} in all)`));
        last = received;
      } catch (error) {
        reject(error);
      }
    }, seconds * 1000);
  });
  stalled.catch(() => {});
  return { stalled, stop: () => clearInterval(timer) };
}

/** A row of the fan-out from the receiver's runs: deliveries per second and the sender's CPU per delivery. */
function fanOutRow(
  base: Pick<ScenarioResult, 'engine' | 'system' | 'notes'>,
  report: ReceiverReport,
  latenciesMs: number[],
  rssMb: number,
  errors: number,
): ScenarioResult {
  const latency = latencyStats(latenciesMs);
  const sample = medianSample(
    report.windows.map((run) => ({
      requests: run.deliveries,
      seconds: run.seconds,
      rps: run.deliveries / run.seconds,
      cpuUsPerReq: (run.cpuTicks * (1e6 / clockTicksPerSecond)) / run.deliveries,
      ...latency,
      errors: 0,
      non2xx: 0,
    })),
  );
  return {
    name: fanOutName,
    kind: 'event_fanout',
    unit: 'delivery',
    rps: sample.rps,
    cpu_us_per_req: sample.cpuUsPerReq,
    p50_ms: sample.p50,
    p99_ms: sample.p99,
    p999_ms: sample.p999,
    rss_mb: rssMb,
    errors: errors + report.rejected,
    non2xx: 0,
    requests: sample.requests,
    ratio_vs_koa: null,
    ratio_vs_peer: null,
    ...base,
  };
}

/**
 * The fan-out, on the copy the inbound scenario queued its location events in (its server stopped): the
 * status webhooks its reference callbacks queued are set aside, so only vehicle events are drained. Then
 * `keyturn worker` (compiled, on the server core) drains them to the receiver: after a warm-up of
 * deliveries, `reps` runs of the same number of deliveries each (as many as `duration` seconds take at the
 * rate of the warm-up's second half, or what is queued), timed on arrival with the worker's CPU read at each
 * run's ends;
 * latency is each attempt's duration in the delivery log (whole milliseconds). The worker is stopped after
 * the last run; every attempt it logged must have been answered 2xx and have arrived. Then the bare loop
 * sends the same warm-up and runs of the same bodies to the same receiver, measured the same way.
 */
export async function eventFanOutScenario(
  settings: Settings,
  options: {
    engine: 'sqlite' | 'postgres';
    database: EventsDatabase;
    /** Keyturn's environment for this database (the worker's configuration). */
    env: Record<string, string>;
    receiver: Receiver;
    copy: EventsCopy;
    clientId: string;
    profileDir?: string;
  },
): Promise<ScenarioResult[]> {
  const { receiver, copy } = options;
  const db = openCopy(options.database);
  let queued: number;
  try {
    const knex = db.query();
    await knex('outbox')
      .whereNull('done_at')
      .whereNot({ kind: vehicleEventJob })
      .update({ done_at: Date.now() });
    const [row] = await knex('outbox')
      .whereNull('done_at')
      .count<{ count: number | string }[]>({ count: '*' });
    queued = Number(row?.count ?? 0);
  } finally {
    await db.close();
  }
  const warmup = Math.max(2, Math.min(settings.quick ? 50 : 2_000, Math.floor(queued / 4)));
  const accept = `"type":"${eventType}"`;
  receiver.expect({
    secret: copy.secret,
    warmup,
    windows: settings.reps,
    duration: settings.duration,
    available: queued - warmup,
    accept,
  });
  const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
  const worker = onServerCore([...profile, `${compiledDirectory}/src/cli/main.js`, 'worker'], {
    ...options.env,
    // The first claim soon after start (while jobs are due, the worker claims batch after batch anyway).
    RELAY_POLL_MS: '20',
  });
  const workerExit = outputOf(worker, 'keyturn worker');
  workerExit.catch(() => {});
  receiver.sender(worker.pid as number);
  const stoppedEarly = workerExit.then(() => {
    throw new Error('keyturn worker stopped before the runs were measured');
  });
  stoppedEarly.catch(() => {});
  const watch = stallWatch(receiver, 15);
  let report: ReceiverReport;
  let rssMb = Number.NaN;
  try {
    report = await receiver.report(Promise.race([stoppedEarly, watch.stalled]));
    rssMb = readPeakRssMb(worker.pid as number);
  } finally {
    watch.stop();
    worker.kill('SIGTERM');
    await workerExit.catch(() => {});
  }
  const arrived = await receiver.count();

  // What the worker logged: every attempt answered 2xx and received; latencies after the warm-up.
  const log = openCopy(options.database);
  let latenciesMs: number[];
  let failed: number;
  let logged: number;
  try {
    const rows = (await log
      .query()('webhook_deliveries')
      .select('status_code', 'error', 'duration_ms')
      .orderBy('id')) as { status_code: number | null; error: string | null; duration_ms: number }[];
    logged = rows.length;
    failed = rows.filter((r) => r.error !== null || r.status_code === null || r.status_code >= 300).length;
    latenciesMs = rows.slice(warmup).map((r) => Number(r.duration_ms));
  } finally {
    await log.close();
  }
  if (failed > 0 || logged !== arrived.received)
    process.stderr.write(
      `event fan-out (${options.engine}): ${logged} attempts logged, ${failed} failed, ${arrived.received} received\n`,
    );
  const keyturnRow = fanOutRow(
    {
      engine: options.engine,
      system: 'keyturn',
      notes: `keyturn worker, batches of ${workerBatchSize}; ${queued} queued, ${warmup} warm-up + ${settings.reps} × ${report.size} measured; latency: an attempt in the delivery log`,
    },
    report,
    latenciesMs,
    rssMb,
    failed + (logged === arrived.received ? 0 : 1),
  );

  const job: WebhookSenderJob = {
    url: receiver.url,
    secret: copy.secret,
    clientId: options.clientId,
    targets: copy.targets.slice(0, 1_000),
    total: warmup + settings.reps * report.size,
    warmup,
    batchSize: workerBatchSize,
  };
  receiver.expect({ secret: copy.secret, warmup, windows: settings.reps, size: report.size, accept });
  const sender = onServerCore(
    [`${compiledDirectory}/test/bench/baselines/webhook-sender.js`, JSON.stringify(job)],
    {},
  );
  receiver.sender(sender.pid as number);
  const senderOutput = outputOf(sender, 'webhook sender');
  const bareWatch = stallWatch(receiver, 15);
  let bareReport: ReceiverReport;
  let output: string;
  try {
    [bareReport, output] = await Promise.all([receiver.report(bareWatch.stalled), senderOutput]);
  } finally {
    bareWatch.stop();
  }
  const bare = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as WebhookSenderResult;
  const bareRow = fanOutRow(
    {
      engine: options.engine,
      system: 'bare',
      notes: `standardwebhooks sign + undici fetch, batches of ${workerBatchSize} (Promise.all); latency: request to answer`,
    },
    bareReport,
    bare.latenciesMs,
    bare.rssMb,
    bare.failures,
  );
  return [bareRow, keyturnRow];
}
