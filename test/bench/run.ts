// `npm run bench [-- --quick] [--out FILE] [--only a,b] [--no-postgres] [--profile DIR]`: the whole suite.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSmtpPeer } from '../support/smtp-peer.ts';
import { codeOf, type DatasetMeta, type DatasetSpec, randomTokens } from './dataset.ts';
import { createBenchFleet, type FleetMeta, type FleetSpec } from './fleet-dataset.ts';
import { keyturnJourney, peerJourney } from './flows.ts';
import { keyturnEnv } from './keyturn-env.ts';
import { addRatios, checkTargets, failed, fmt, table, targetsTable, writeJson } from './report.ts';
import { callbacksScenario } from './scenarios/callbacks.ts';
import { codeExchangeScenario } from './scenarios/code-exchange.ts';
import type { ScenarioResult, Settings } from './scenarios/common.ts';
import {
  eventCallbacksScenario,
  eventFanOutScenario,
  prepareEventsCopy,
  startReceiver,
} from './scenarios/events.ts';
import { bareInsertsScenario, fleetListScenario, fleetRegistrationScenario } from './scenarios/fleet.ts';
import { helloScenario } from './scenarios/hello.ts';
import { introspectionScenario } from './scenarios/introspection.ts';
import { journeyScenario } from './scenarios/journey.ts';
import {
  dropPostgresDatabase,
  postgresDataset,
  postgresFleetDataset,
  postgresWorkCopy,
  postgresWorkDatabase,
} from './seed-postgres.ts';
import { sqliteDataset, sqliteFleetDataset, sqliteWorkCopy, sqliteWorkFile } from './seed-sqlite.ts';
import { compiledDirectory, type ServerHandle, startServer } from './server-process.ts';
import { warmPostgresTables, warmSqliteFile } from './warm-cache.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    'no-postgres': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});

const quick = flags.quick ?? false;
const settings: Settings = {
  quick,
  warmup: quick ? 0.2 : 2,
  duration: quick ? 0.5 : 5,
  reps: quick ? 1 : 3,
  connections: quick ? 4 : 16,
  bigGrants: quick ? 2_000 : 1_000_000,
  smallGrants: quick ? 1_000 : 10_000,
  pendingClearances: quick ? 3_000 : 100_000,
  codes: quick ? 2_000 : 60_000,
  journeyConcurrency: quick ? 2 : 8,
  journeyWarmup: quick ? 10 : 1_500,
  sideRate: quick ? 50 : 200,
  fleetBatchSize: quick ? 200 : 1_000,
  fleetBatches: quick ? 3 : 10,
  fleetWarmupBatches: quick ? 1 : 2,
  bigFleet: quick ? 20_000 : 1_000_000,
  smallFleet: quick ? 2_000 : 10_000,
  postgres: !flags['no-postgres'],
  profileDir: flags.profile ? resolve(flags.profile) : undefined,
  only: flags.only?.split(','),
};
const wanted = (group: string) => !settings.only || settings.only.includes(group);

// The load side stays on core 1; every server is started on core 0.
execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });

// Servers run compiled (as in production), not through tsx: the same for Keyturn and both baselines, so
// the sources and the benchmark's own are compiled into .bench/dist, from empty (nothing compiled from a
// removed source, such as a migration, is run), without type-checking (`--noCheck`: the same JavaScript
// in half the time; `npm run typecheck` is CI's job, not the benchmark's).
rmSync(compiledDirectory, { recursive: true, force: true });
execFileSync(
  'npx',
  ['tsc', '-p', 'tsconfig.json', '--noEmit', 'false', '--noCheck', '--outDir', compiledDirectory],
  {
    stdio: 'inherit',
  },
);

const log = (message: string) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const rows: ScenarioResult[] = [];
const loadAtStart = loadavg();

async function withServer<T>(
  name: string,
  script: string,
  env: Record<string, string>,
  work: (server: ServerHandle) => Promise<T>,
  profile = false,
): Promise<T> {
  if (profile && settings.profileDir) mkdirSync(resolve(settings.profileDir, name), { recursive: true });
  const server = await startServer({
    name,
    script,
    env,
    withIssuer: true,
    ...(profile && settings.profileDir ? { cpuProfileDir: resolve(settings.profileDir, name) } : {}),
  });
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

const keyturn = (
  name: string,
  database: { sqliteFile?: string; databaseUrl?: string; smtpUrl?: string },
  work: (s: ServerHandle) => Promise<void>,
) => withServer(name, 'src/main.ts', keyturnEnv(database), work, true);

async function record(result: ScenarioResult | ScenarioResult[]) {
  for (const r of Array.isArray(result) ? result : [result]) {
    rows.push(r);
    const per = r.unit ?? 'req';
    log(
      `${r.system} ${r.name} (${r.engine}): ${r.rps.toFixed(0)} ${per}/s, ${fmt(r.cpu_us_per_req, 0)} µs CPU/${per}, p99 ${r.p99_ms.toFixed(2)} ms, rss ${r.rss_mb.toFixed(0)} MB, errors ${r.errors}, non2xx ${r.non2xx}`,
    );
  }
}

/** Opens (seeding when not cached) a data set and logs how long it took. */
async function loggedSet<S, T extends { fresh: boolean; meta: { seedSeconds: number } }>(
  engine: 'sqlite' | 'postgres',
  spec: S,
  open: (spec: S) => Promise<T>,
): Promise<T> {
  const t0 = performance.now();
  const set = await open(spec);
  const seeded = `seeded in ${set.meta.seedSeconds.toFixed(1)} s`;
  log(
    `${engine} data set ${JSON.stringify(spec)}: ${set.fresh ? seeded : `cached (${seeded})`} [${((performance.now() - t0) / 1000).toFixed(1)} s]`,
  );
  return set;
}

const sqliteSet = (spec: DatasetSpec) => loggedSet('sqlite', spec, sqliteDataset);
const postgresSet = (spec: DatasetSpec) => loggedSet('postgres', spec, postgresDataset);
const sqliteFleetSet = (spec: FleetSpec) => loggedSet('sqlite', spec, sqliteFleetDataset);
const postgresFleetSet = (spec: FleetSpec) => loggedSet('postgres', spec, postgresFleetDataset);

interface PeerSeed {
  tokens: string[];
  codes: string[];
  verifier: string;
}
const peerApp = { clientId: 'peer-app', clientSecret: 'peer-app-secret-0123456789abcdef0123456789' };
const peerConsumer = {
  clientId: 'peer-consumer',
  clientSecret: 'peer-consumer-secret-0123456789abcdef012345',
};
const peerSeed = async (server: ServerHandle, tokens: number, codes: number) =>
  (await (await fetch(`${server.url}/bench/seed?tokens=${tokens}&codes=${codes}`)).json()) as PeerSeed;

// ---- Baselines ----
const peer = 'test/bench/baselines/peer-oidc.ts';
if (wanted('koa')) {
  await withServer('koa-hello', 'test/bench/baselines/koa-hello.ts', {}, async (server) =>
    record(await helloScenario(settings, server)),
  );
}
if (wanted('peer')) {
  await withServer('peer-introspection', peer, {}, async (server) => {
    const seeded = await peerSeed(server, settings.smallGrants, 0);
    const tokens = Array.from(
      { length: 100_000 },
      () => seeded.tokens[Math.floor(Math.random() * seeded.tokens.length)] as string,
    );
    record(
      await introspectionScenario(settings, server, {
        name: `introspection ${settings.smallGrants} grants`,
        engine: 'memory',
        system: 'peer',
        consumer: peerConsumer,
        tokens,
      }),
    );
  });
  // Twice: in memory (the baseline), then on a plain SQLite adapter, which shows what durable writes alone
  // cost the library's exchange (a row of its own; ratios are to the in-memory peer).
  const stores = [
    { engine: 'memory', env: {} },
    { engine: 'sqlite', env: { PEER_SQLITE_FILE: sqliteWorkFile('peer-code-exchange') } },
  ] as const;
  for (const store of stores) {
    await withServer(`peer-code-exchange-${store.engine}`, peer, store.env, async (server) => {
      const seeded = await peerSeed(server, 0, settings.codes);
      record(
        await codeExchangeScenario(settings, server, {
          name: 'code + PKCE exchange',
          engine: store.engine,
          system: 'peer',
          app: peerApp,
          codes: seeded.codes,
          verifier: seeded.verifier,
        }),
      );
    });
  }
}

// ---- Keyturn: introspection ----
const introspectionSpec = (connected: number): DatasetSpec => ({ connected, pendingValidation: 0, codes: 0 });
for (const size of [settings.smallGrants, settings.bigGrants]) {
  if (!wanted('introspection')) break;
  const set = await sqliteSet(introspectionSpec(size));
  warmSqliteFile(set.file);
  await keyturn(`introspection-sqlite-${size}`, { sqliteFile: set.file }, async (server) => {
    const result = await introspectionScenario(settings, server, {
      name: `introspection ${size} grants`,
      engine: 'sqlite',
      system: 'keyturn',
      consumer: set.meta.consumer,
      tokens: randomTokens(set.meta, 100_000),
    });
    result.seed_seconds = set.meta.seedSeconds;
    await record(result);
  });
}
if (wanted('introspection') && settings.postgres) {
  const set = await postgresSet(introspectionSpec(settings.bigGrants));
  await warmPostgresTables(set.url, ['oidc_payloads', 'clearances']);
  await keyturn(`introspection-postgres-${settings.bigGrants}`, { databaseUrl: set.url }, async (server) => {
    const result = await introspectionScenario(settings, server, {
      name: `introspection ${settings.bigGrants} grants`,
      engine: 'postgres',
      system: 'keyturn',
      consumer: set.meta.consumer,
      tokens: randomTokens(set.meta, 100_000),
    });
    result.seed_seconds = set.meta.seedSeconds;
    await record(result);
  });
}

// ---- Keyturn: callbacks ----
const callbackSpec: DatasetSpec = {
  connected: settings.smallGrants,
  pendingValidation: settings.pendingClearances,
  codes: 0,
};
if (wanted('callbacks')) {
  const set = await sqliteSet(callbackSpec);
  const file = sqliteWorkCopy(set, 'callbacks');
  await keyturn('callbacks-sqlite', { sqliteFile: file }, async (server) =>
    record(await callbacksScenario(settings, server, { engine: 'sqlite', meta: set.meta })),
  );
  if (settings.postgres) {
    const pgSet = await postgresSet(callbackSpec);
    const url = await postgresWorkCopy(pgSet, 'callbacks');
    try {
      await keyturn('callbacks-postgres', { databaseUrl: url }, async (server) =>
        record(await callbacksScenario(settings, server, { engine: 'postgres', meta: pgSet.meta })),
      );
    } finally {
      await dropPostgresDatabase(url);
    }
  }
}

// ---- Keyturn: vehicle events ----
// Per engine, on a writable copy of the callbacks' data set in which the bench app subscribes to location
// events at a local receiver (a process of its own on the load core): inbound callbacks on a server without
// its worker, then the events they queued drained by `keyturn worker`, beside a bare signing loop.
if (wanted('events')) {
  const receiver = await startReceiver();
  try {
    const events = async (
      engine: 'sqlite' | 'postgres',
      meta: DatasetMeta,
      database: { sqliteFile?: string; databaseUrl?: string },
    ) => {
      const copy = await prepareEventsCopy(database, meta, receiver.url);
      await keyturn(`events-callbacks-${engine}`, database, async (server) =>
        record(await eventCallbacksScenario(settings, server, { engine, meta, copy })),
      );
      const profileDir = settings.profileDir && resolve(settings.profileDir, `events-worker-${engine}`);
      if (profileDir) mkdirSync(profileDir, { recursive: true });
      await record(
        await eventFanOutScenario(settings, {
          engine,
          database,
          env: keyturnEnv(database),
          receiver,
          copy,
          clientId: meta.app.clientId,
          ...(profileDir ? { profileDir } : {}),
        }),
      );
    };
    const set = await sqliteSet(callbackSpec);
    await events('sqlite', set.meta, { sqliteFile: sqliteWorkCopy(set, 'events') });
    if (settings.postgres) {
      const pgSet = await postgresSet(callbackSpec);
      const url = await postgresWorkCopy(pgSet, 'events');
      try {
        await events('postgres', pgSet.meta, { databaseUrl: url });
      } finally {
        await dropPostgresDatabase(url);
      }
    }
  } finally {
    await receiver.close();
  }
}

// ---- Keyturn: code exchange and the full journey ----
const codeSpec: DatasetSpec = {
  connected: settings.smallGrants,
  pendingValidation: 0,
  codes: settings.codes,
};
if (wanted('exchange') || wanted('journey')) {
  const set = await sqliteSet(codeSpec);
  if (wanted('exchange')) {
    const file = sqliteWorkCopy(set, 'exchange');
    await keyturn('code-exchange-sqlite', { sqliteFile: file }, async (server) => {
      const codes = Array.from({ length: set.meta.spec.codes }, (_, j) => codeOf(set.meta, j));
      await record(
        await codeExchangeScenario(settings, server, {
          name: 'code + PKCE exchange',
          engine: 'sqlite',
          system: 'keyturn',
          app: set.meta.app,
          codes,
          verifier: set.meta.verifier,
        }),
      );
    });
  }
  if (wanted('journey')) {
    const file = sqliteWorkCopy(set, 'journey');
    // The owner proves the address with the code mailed to it: the server mails over SMTP to a local peer.
    const smtp = await startSmtpPeer();
    const run = Date.now().toString(36);
    // The journey's ratio to the peer is the target closest to its line, so the servers run side by side and
    // are measured in turns (see journeyScenario). The peer runs twice: in memory (the baseline) and on a
    // plain SQLite adapter (what durable storage alone adds to the library's own flow).
    const peerSystem = (peerServer: ServerHandle, engine: 'memory' | 'sqlite') => ({
      server: peerServer,
      name: 'journey (dev login + consent) + exchange',
      engine,
      system: 'peer' as const,
      journey: (n: number) => peerJourney(peerServer.url, peerApp, `owner-${n}`),
    });
    const durablePeer = { PEER_SQLITE_FILE: sqliteWorkFile('peer-journey') };
    await withServer('peer-journey-memory', peer, {}, (memoryPeer) =>
      withServer('peer-journey-sqlite', peer, durablePeer, (sqlitePeer) =>
        keyturn('journey-sqlite', { sqliteFile: file, smtpUrl: smtp.url }, async (server) =>
          record(
            await journeyScenario(settings, [
              peerSystem(memoryPeer, 'memory'),
              peerSystem(sqlitePeer, 'sqlite'),
              {
                server,
                name: 'journey (landing → … → permissions) + exchange',
                engine: 'sqlite',
                system: 'keyturn',
                journey: (n) =>
                  keyturnJourney(server.url, set.meta.app, `bench-${run}-${n}@example.com`, smtp.codeFor),
              },
            ]),
          ),
        ),
      ),
    );
    await smtp.close();
  }
}

// ---- Keyturn: fleets ----
if (wanted('fleet')) {
  // Batch registration writes: the API and its baseline (bare inserts) each get a new migrated database of
  // their own per engine, with the bench fleet in it.
  {
    const file = sqliteWorkFile('fleet-registration');
    const fleet = await createBenchFleet({ sqliteFile: file });
    await keyturn('fleet-registration-sqlite', { sqliteFile: file }, async (server) =>
      record(await fleetRegistrationScenario(settings, server, { engine: 'sqlite', fleet })),
    );
    const bareFile = sqliteWorkFile('fleet-bare-inserts');
    const bareFleet = await createBenchFleet({ sqliteFile: bareFile });
    await record(
      await bareInsertsScenario(settings, { engine: 'sqlite', sqliteFile: bareFile, fleet: bareFleet }),
    );
  }
  if (settings.postgres) {
    const url = await postgresWorkDatabase('fleet_registration');
    try {
      const fleet = await createBenchFleet({ databaseUrl: url });
      await keyturn('fleet-registration-postgres', { databaseUrl: url }, async (server) =>
        record(await fleetRegistrationScenario(settings, server, { engine: 'postgres', fleet })),
      );
    } finally {
      await dropPostgresDatabase(url);
    }
    const bareUrl = await postgresWorkDatabase('fleet_bare_inserts');
    try {
      const fleet = await createBenchFleet({ databaseUrl: bareUrl });
      await record(await bareInsertsScenario(settings, { engine: 'postgres', databaseUrl: bareUrl, fleet }));
    } finally {
      await dropPostgresDatabase(bareUrl);
    }
  }
  // Listing reads the cached data sets (the server stores only the fleet's access token in them). Per engine
  // the small and the big set's servers run side by side and are measured in turns (see fleetListScenario).
  const listing = async (
    engine: 'sqlite' | 'postgres',
    open: (
      vehicles: number,
    ) => Promise<{ meta: FleetMeta; database: { sqliteFile?: string; databaseUrl?: string } }>,
  ) => {
    const [small, big] = [await open(settings.smallFleet), await open(settings.bigFleet)];
    await keyturn(`fleet-list-${engine}-${settings.smallFleet}`, small.database, (smallServer) =>
      keyturn(`fleet-list-${engine}-${settings.bigFleet}`, big.database, async (bigServer) =>
        record(
          await fleetListScenario(settings, [
            { server: smallServer, engine, meta: small.meta },
            { server: bigServer, engine, meta: big.meta },
          ]),
        ),
      ),
    );
  };
  await listing('sqlite', async (vehicles) => {
    const set = await sqliteFleetSet({ vehicles });
    warmSqliteFile(set.file);
    return { meta: set.meta, database: { sqliteFile: set.file } };
  });
  if (settings.postgres)
    await listing('postgres', async (vehicles) => {
      const set = await postgresFleetSet({ vehicles });
      await warmPostgresTables(set.url, [
        'clearances',
        'fleet_vehicles',
        'fleet_vehicle_counts',
        'oidc_payloads',
      ]);
      return { meta: set.meta, database: { databaseUrl: set.url } };
    });
}

// ---- Report ----
// Baselines first, whatever order the scenarios ran in (the peer's journey runs beside Keyturn's).
const systemOrder = { koa: 0, peer: 1, bare: 2, keyturn: 3 } as const;
rows.sort((a, b) => systemOrder[a.system] - systemOrder[b.system]);
addRatios(rows);
const checks = checkTargets(rows, {
  big: settings.bigGrants,
  small: settings.smallGrants,
  bigFleet: settings.bigFleet,
  smallFleet: settings.smallFleet,
});
process.stdout.write(`\n${table(rows)}\n\nTargets:\n${targetsTable(checks)}\n`);
process.stdout.write(
  `\n${quick ? 'quick' : 'full'} run in ${process.uptime().toFixed(0)} s (the build and start-up included); load average at start ${loadAtStart.map((l) => l.toFixed(1)).join(' ')}, at end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; server on core 0, load on core 1\n`,
);
if (flags.out) writeJson(flags.out, rows);
const broken = rows.filter(failed);
if (broken.length > 0) {
  process.stderr.write(
    `failed scenarios (errors or non-2xx): ${broken.map((r) => `${r.name} (${r.system}, ${r.engine})`).join('; ')}\n`,
  );
  process.exitCode = 1;
}
