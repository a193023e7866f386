// The scale-out run itself (started by ./run.ts, which makes the certificate and trusts it for this
// process): a fresh PostgreSQL database migrated with `keyturn migrate`; two production-configured
// instances sharing their keys through configuration, with their in-process worker off; one separate
// `keyturn worker`; nginx terminating TLS in front; the app and the data consumer registered with the CLI;
// one owner's journey through nginx; the maker approving; then the checks and a short report. Exits 0 only
// if every check holds; every process and the database are cleaned up either way.
import knex from 'knex';
import { openDatabase } from '../../src/db/index.ts';
import { outboxStore } from '../../src/outbox/store.ts';
import { benchRedirectUri } from '../bench/flows.ts';
import { freePort } from '../bench/server-process.ts';
import { checkOutbox } from '../soak/checks.ts';
import { Ledger } from '../soak/ledger.ts';
import { type Maker, makerApiKey, makerWebhookSecret, startMaker } from '../soak/maker.ts';
import { settle } from '../soak/settle.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../soak/webhook-receiver.ts';
import { productionEnv } from '../support/production.ts';
import { type SmtpPeer, startSmtpPeer } from '../support/smtp-peer.ts';
import {
  checkAlternation,
  checkMetrics,
  introspectAt,
  scrapeRequests,
  type Verdict,
  verdict,
} from './checks.ts';
import { createRunDatabase, type RunDatabase } from './database.ts';
import { type InstanceName, walkJourney } from './journey.ts';
import { type RunningNginx, startNginx } from './nginx.ts';
import { type KeyturnProcess, keyturnCommand, ready, startKeyturnProcess } from './processes.ts';

const folder = process.argv[2] as string;
const tls = { certFile: process.env.SCALE_OUT_CERT as string, keyFile: process.env.SCALE_OUT_KEY as string };
const serverUrl = process.env.SCALE_OUT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const metricsToken = 'scale-out-metrics-token-0123456789';
const startedAt = Date.now();
const log = (message: string) =>
  process.stdout.write(`[scale-out +${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${message}\n`);

const processes: KeyturnProcess[] = [];
let nginx: RunningNginx | undefined;
let database: RunDatabase | undefined;
let smtp: SmtpPeer | undefined;
let receiver: WebhookReceiver | undefined;
let maker: Maker | undefined;

let verdicts: Verdict[] = [];
let failure: string | undefined;
try {
  verdicts = await scaleOut();
} catch (error) {
  failure = (error as Error).stack ?? String(error);
} finally {
  const exits = await Promise.all(processes.map(async (p) => `${p.name} exited ${await p.stop()}`));
  if (exits.length > 0) log(exits.join(', '));
  await nginx?.stop();
  await maker?.simulator.close();
  await receiver?.close();
  await smtp?.close();
  await database?.drop();
}

process.stdout.write('\nScale-out report\n');
for (const v of verdicts) process.stdout.write(`  ${v.ok ? 'ok  ' : 'FAIL'} ${v.name}: ${v.detail}\n`);
const passed = failure === undefined && verdicts.length > 0 && verdicts.every((v) => v.ok);
if (failure) process.stdout.write(`  FAIL the run stopped: ${failure}\n`);
process.stdout.write(
  `${passed ? 'Every check passed' : 'Scale-out FAILED'} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`,
);
process.exit(passed ? 0 : 1);

async function scaleOut(): Promise<Verdict[]> {
  smtp = await startSmtpPeer();
  receiver = await startWebhookReceiver();
  maker = await startMaker(new Ledger());
  database = await createRunDatabase(serverUrl);
  const ports = {
    a: await freePort(),
    b: await freePort(),
    keyturn: await freePort(),
    app: await freePort(),
  };
  const issuer = `https://127.0.0.1:${ports.keyturn}`;
  const instanceUrl = { a: `http://127.0.0.1:${ports.a}`, b: `http://127.0.0.1:${ports.b}` };
  log(`database ${database.name}; issuer ${issuer}; instances a ${instanceUrl.a}, b ${instanceUrl.b}`);

  // One configuration for every process: the keys are shared through it, not through the database.
  const env: Record<string, string> = {
    ...productionEnv(issuer),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    SMTP_URL: smtp.url,
    OEM_BMW_URL: `${maker.simulator.url}/bmw`,
    OEM_BMW_API_KEY: makerApiKey,
    OEM_BMW_WEBHOOK_SECRET: makerWebhookSecret,
    TRUST_PROXY: 'true',
    METRICS_TOKEN: metricsToken,
    KEYTURN_RUN_WORKER: 'false',
    // The app's webhook endpoint is on loopback, as everything in this run.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    RELAY_POLL_MS: '200',
  };

  log(`keyturn migrate: ${JSON.stringify(await keyturnCommand(['migrate'], env))}`);
  for (const name of ['a', 'b'] as const) {
    const instance = startKeyturnProcess(
      `instance-${name}`,
      ['src/main.ts'],
      { ...env, PORT: String(ports[name]) },
      folder,
    );
    processes.push(instance);
  }
  const worker = startKeyturnProcess('worker', ['src/cli/main.ts', 'worker'], env, folder);
  processes.push(worker);
  await Promise.all([
    ready(processes[0] as KeyturnProcess, instanceUrl.a),
    ready(processes[1] as KeyturnProcess, instanceUrl.b),
  ]);
  nginx = await startNginx(
    folder,
    tls,
    { keyturn: ports.keyturn, app: ports.app },
    {
      instances: { a: ports.a, b: ports.b },
      receiver: Number(new URL(receiver.url).port),
    },
  );
  log('instances ready; worker started; nginx listening');

  const app = await keyturnCommand<{ client_id: string; client_secret: string; webhook_secret: string }>(
    [
      'apps',
      'add',
      '--name',
      'Scale-out app',
      '--redirect-uri',
      benchRedirectUri,
      '--brand',
      'bmw',
      '--scope',
      'location',
      '--scope',
      'mileage',
      '--webhook-url',
      `https://127.0.0.1:${ports.app}/webhooks`,
    ],
    env,
  );
  receiver.verifyWith(app.webhook_secret);
  const consumer = await keyturnCommand<{ client_id: string; client_secret: string }>(
    ['consumers', 'add', '--name', 'Scale-out consumer'],
    env,
  );
  log(`registered app ${app.client_id} and consumer ${consumer.client_id} with the CLI`);

  const instanceOf = (upstream: string | null): InstanceName | 'unknown' =>
    upstream === `127.0.0.1:${ports.a}` ? 'a' : upstream === `127.0.0.1:${ports.b}` ? 'b' : 'unknown';
  const journey = await walkJourney({
    issuer,
    app: { clientId: app.client_id, clientSecret: app.client_secret },
    instanceOf,
    readCode: (smtp as SmtpPeer).codeFor,
  });
  log(`journey done in ${journey.requests.length} requests; VIN ${journey.vin}; waiting for the maker`);

  // The maker's request arrives only if the worker sent it: the instances run no jobs.
  const simulator = maker.simulator;
  const clearance = await waitFor('the clearance request at the maker', 30_000, () =>
    simulator.knobs.clearances().find((c) => c.vin === journey.vin && c.status === 'pending_validation'),
  );
  simulator.knobs.decide(clearance.id, 'approve');
  const receipts = receiver.receipts;
  await waitFor('the approved webhook', 30_000, () =>
    receipts.find((r) => r.vin === journey.vin && r.status === 'approved'),
  );
  const owners = { approvedAt: new Map(), revokedAt: new Map(), idle: () => true, stop() {} };
  const settled = await settle(database.url, simulator, owners, 60_000);
  log(`settled after ${(settled.waitedMs / 1000).toFixed(1)} s`);

  const accessToken = journey.tokens.access_token;
  const consumerCredentials = { clientId: consumer.client_id, clientSecret: consumer.client_secret };
  const active = {
    a: await introspectAt(issuer, 'a', consumerCredentials, accessToken),
    b: await introspectAt(issuer, 'b', consumerCredentials, accessToken),
  };
  const scraped = {
    a: await scrapeRequests(instanceUrl.a, metricsToken),
    b: await scrapeRequests(instanceUrl.b, metricsToken),
  };
  const checker = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
  const outbox = await checkOutbox(checker);
  const doneJobs = (await checker('outbox')
    .select('kind')
    .count({ count: '*' })
    .whereNotNull('done_at')
    .groupBy('kind')
    .finally(() => checker.destroy())) as Array<{ kind: string; count: number | string }>;
  const done = Object.fromEntries(doneJobs.map((row) => [row.kind, Number(row.count)]));
  const pending = await pendingJobs(database.url);
  const ourReceipts = receipts.filter((r) => r.vin === journey.vin);

  return [
    ...checkAlternation(journey.requests),
    verdict(
      'token introspects active through either instance',
      active.a && active.b,
      `a: ${active.a ? 'active' : 'inactive'}, b: ${active.b ? 'active' : 'inactive'}`,
    ),
    verdict(
      "the app's webhook arrived over https and verified",
      ourReceipts.some((r) => r.status === 'approved') && receiver.unverified() === 0,
      `${ourReceipts.length} for the VIN (${ourReceipts.map((r) => r.status).join(', ')}), ${receiver.unverified()} refused`,
    ),
    ...checkMetrics(scraped, journey.requests),
    verdict(
      'the worker emptied the outbox',
      settled.settled && pending === 0 && outbox.abandoned.length === 0 && Object.keys(done).length > 0,
      `done ${JSON.stringify(done)}, ${pending} unfinished, ${outbox.abandoned.length} abandoned, retried ${JSON.stringify(outbox.retried)}`,
    ),
  ];
}

async function pendingJobs(databaseUrl: string): Promise<number> {
  const db = openDatabase({ databaseUrl, sqliteFile: '' });
  try {
    return await outboxStore(db).pending();
  } finally {
    await db.close();
  }
}

async function waitFor<T>(what: string, timeoutMs: number, found: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = found();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not come within ${timeoutMs / 1000} s`);
}
