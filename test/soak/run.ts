// `npm run soak [-- --minutes 5] [--out FILE] [--grace 5] [--keep-database]`: Keyturn's reliability under
// mixed traffic against two server processes on one PostgreSQL database, while PostgreSQL's backends are
// terminated three times and one instance is restarted. Prints a report; exits 0 only if every check holds.
// PostgreSQL: SOAK_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the run
// creates its own database there and drops it at the end.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import knex from 'knex';
import { startSmtpPeer } from '../support/smtp-peer.ts';
import { checkConsents, checkOutbox, checkWebhooks, verdicts } from './checks.ts';
import type { Instance } from './clients.ts';
import { createSoakDatabase, dropSoakDatabase, registerParties } from './database.ts';
import { defaultPlan, runFaults } from './faults.ts';
import { KeyturnInstance, type UnexpectedExit } from './instances.ts';
import { runTag } from './journey.ts';
import { Ledger } from './ledger.ts';
import { makerApiKey, makerWebhookSecret, startMaker } from './maker.ts';
import { startOwners } from './owners.ts';
import {
  failureSummary,
  journeyCounts,
  printReport,
  type SoakReport,
  summarizeLog,
  writeReport,
} from './report.ts';
import { settle } from './settle.ts';
import { startTraffic } from './traffic.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    out: { type: 'string' },
    grace: { type: 'string', default: '5' },
    'journey-users': { type: 'string', default: '3' },
    'keep-database': { type: 'boolean', default: false },
  },
});
const minutes = Number(flags.minutes);
const graceMs = Number(flags.grace) * 1000;
if (!(minutes > 0) || !(graceMs >= 0)) {
  process.stderr.write('--minutes must be a positive number and --grace a number of seconds\n');
  process.exit(2);
}
const serverUrl = process.env.SOAK_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const durationMs = minutes * 60_000;
const log = (message: string) =>
  process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

const ledger = new Ledger();
const logDirectory = mkdtempSync(join(tmpdir(), 'keyturn-soak-'));
const smtp = await startSmtpPeer();
const receiver = await startWebhookReceiver();
const maker = await startMaker(ledger);
const database = await createSoakDatabase(serverUrl);
log(`database ${database.name}; logs in ${logDirectory}`);
// Interrupted: the instances are killed on exit (see instances.ts); the database is left for inspection.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: stopping; database ${database.name} is left behind`);
    process.exit(130);
  });

let report: SoakReport;
try {
  report = await soak();
} finally {
  await maker.simulator.close();
  await receiver.close();
  await smtp.close();
  if (flags['keep-database']) log(`database ${database.name} kept`);
  else await dropSoakDatabase(serverUrl, database);
}
printReport(report);
if (flags.out) writeReport(flags.out, report);
process.exit(report.passed ? 0 : 1);

async function soak(): Promise<SoakReport> {
  const parties = await registerParties(database, receiver.url);
  receiver.verifyWith(parties.app.webhookSecret);

  const instanceEnv: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    SMTP_URL: smtp.url,
    KEYTURN_DEV_TOOLS: 'false',
    KEYTURN_RUN_WORKER: 'true',
    OEM_BMW_URL: `${maker.simulator.url}/bmw`,
    OEM_BMW_API_KEY: makerApiKey,
    OEM_BMW_WEBHOOK_SECRET: makerWebhookSecret,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    RELAY_POLL_MS: '200',
    // Retries stay frequent, so that what failed during a fault is done again within the settling time.
    RELAY_RETRY_MAX_MS: '5000',
    // Every journey comes from 127.0.0.1 and uses the one app: the per-address and per-app limits would
    // refuse a load test, not a fault.
    CODE_MAILS_PER_ADDRESS: '1000000',
    CONSENTS_PER_ADDRESS: '1000000',
    CONSENTS_PER_APP: '1000000',
  };
  const unexpectedExits: UnexpectedExit[] = [];
  const onUnexpectedExit = (exit: UnexpectedExit) => {
    unexpectedExits.push(exit);
    log(`instance ${exit.instance} exited unexpectedly (code ${exit.code}, signal ${exit.signal})`);
  };
  const a = await KeyturnInstance.create('a', instanceEnv, logDirectory, onUnexpectedExit);
  const b = await KeyturnInstance.create('b', instanceEnv, logDirectory, onUnexpectedExit);
  // One after the other: the first start also creates the keys both instances share.
  await a.start();
  await b.start();
  const instances: [Instance, Instance] = [
    { name: 'a', url: a.url },
    { name: 'b', url: b.url },
  ];
  log(`instances a ${a.url}, b ${b.url}; load for ${minutes} min`);

  const owners = startOwners(maker.simulator);
  const startedAt = Date.now();
  const traffic = startTraffic({
    instances,
    app: parties.app,
    consumer: parties.consumer,
    ledger,
    readCode: smtp.codeFor,
    owners,
    receipts: receiver.receipts,
    runTag: runTag(),
    journeyUsers: Number(flags['journey-users']),
    introspectionUsers: 1,
  });
  const faults = runFaults(
    { ledger, serverUrl, database, instances: [a, b], restarted: b, graceMs, log },
    defaultPlan,
    startedAt,
    durationMs,
  );
  const progress = setInterval(() => {
    const s = ledger.successes;
    log(
      `journeys ${s.journey}, exchanges ${s.exchange}, introspections ${s.introspection}, refreshes ${s.refresh}, callbacks ${s.callback}, webhooks ${receiver.receipts.length}, failures ${ledger.failures.length}`,
    );
  }, 15_000);
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  await faults;
  await traffic.stop();
  clearInterval(progress);
  const loadEndedAt = Date.now();
  log('load stopped; waiting for the outbox, the maker and the owners to settle');

  const checker = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 4 } });
  const settled = await settle(database.url, maker.simulator, owners, 240_000);
  owners.stop();
  log(`settled: ${settled.settled} after ${(settled.waitedMs / 1000).toFixed(1)} s; checking`);
  const consents = await checkConsents(checker, instances, traffic, owners, ledger);
  const webhooks = await checkWebhooks(
    checker,
    receiver.receipts,
    receiver.unverified(),
    traffic,
    owners,
    ledger,
  );
  const outbox = await checkOutbox(checker);
  await checker.destroy();

  await Promise.all([a.stop(), b.stop()]);
  const checks = verdicts({
    settled,
    consents,
    webhooks,
    outbox,
    ledger,
    contradictions: traffic.contradictions,
    unexpectedExits,
    stopExits: [...a.stopExits, ...b.stopExits],
    callbacksGivenUp: maker.callbacks.givenUp,
  });
  return {
    run: {
      minutes,
      startedAt: new Date(startedAt).toISOString(),
      loadEndedAt: new Date(loadEndedAt).toISOString(),
      database: database.name,
      logDirectory,
      instances: { a: a.url, b: b.url },
    },
    traffic: {
      journeys: journeyCounts(traffic),
      successes: ledger.successes,
      approvals: owners.approvedAt.size,
      revocations: owners.revokedAt.size,
      callbacks: maker.callbacks,
      refreshedSessions: traffic.sessions.filter((s) => s.refreshes > 0).length,
    },
    failures: failureSummary(ledger),
    faults: ledger.windows,
    consents,
    webhooks,
    outbox,
    settledInMs: settled.waitedMs,
    serverLogs: [summarizeLog(a.logFile), summarizeLog(b.logFile)],
    checks,
    passed: checks.every((check) => check.ok),
  };
}
