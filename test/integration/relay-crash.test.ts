// Crashes around the relay's send: Keyturn killed (SIGKILL) after the consent committed the clearance request
// but before it was sent, and after it was sent but before the job was marked done. Nothing is lost and
// nothing is duplicated at the maker.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { httpConnector } from '../../src/connectors/http-connector.ts';
import { openDatabase } from '../../src/db/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { registerTestApp, testRedirectUri } from '../support/keyturn.ts';
import {
  authorizationOf,
  clearanceStatus,
  closedPort,
  consentOverHttp,
  grantClearance,
  type OemWorld,
  simulatedClearancesFor,
  startKeyturnWithOem,
  startOemWorld,
  until,
} from '../support/relay.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

interface ChildKeyturn {
  url: string;
  process: ChildProcess;
  output(): string;
}

function childEnv(world: OemWorld, db: TestDatabase, port: number, extra: Record<string, string>) {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    ...db.env,
    ...world.env,
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    ...extra,
  };
}

/** Registers an app with the operator's CLI (`keyturn apps add`), as an operator would. */
async function addAppWithCli(world: OemWorld, db: TestDatabase, port: number): Promise<RegisteredApp> {
  const { stdout } = await run(
    process.execPath,
    [
      'src/cli/bin.js',
      'apps',
      'add',
      '--name',
      'Crash test app',
      '--redirect-uri',
      testRedirectUri,
      '--brand',
      'bmw',
      '--scope',
      'location',
      '--scope',
      'mileage',
    ],
    { cwd: root, env: childEnv(world, db, port, {}) },
  );
  const app = JSON.parse(stdout) as RegisteredApp;
  expect(app.client_id).toBeTruthy();
  return app;
}

describe('relay crashes', () => {
  let world: OemWorld;
  const children: ChildProcess[] = [];
  const databases: TestDatabase[] = [];

  async function startChild(
    db: TestDatabase,
    port: number,
    extra: Record<string, string>,
  ): Promise<ChildKeyturn> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: childEnv(world, db, port, extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const url = `http://127.0.0.1:${port}`;
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`keyturn exited with ${child.exitCode}:\n${output}`);
        const healthy = await fetch(`${url}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
        return healthy ? true : undefined;
      },
      'keyturn /healthz',
      2_400,
    );
    return { url, process: child, output: () => output };
  }

  async function kill(child: ChildKeyturn): Promise<void> {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    const exited = new Promise((resolve) => child.process.once('exit', resolve));
    child.process.kill('SIGKILL');
    await exited;
  }

  async function freshDatabase(): Promise<TestDatabase> {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  }

  beforeAll(async () => {
    world = await startOemWorld();
  });
  afterEach(async () => {
    world.simulator.knobs.setResponseDelay(0);
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    for (const db of databases.splice(0)) await db.drop();
  });
  afterAll(async () => {
    await world?.simulator.close();
  });

  it('Keyturn killed (SIGKILL) between commit and send › after a restart the clearance reaches pending_validation, once at the maker', async () => {
    const db = await freshDatabase();
    const port = await closedPort();
    const app = await addAppWithCli(world, db, port);
    const email = 'crash.before-send@example.com';

    const first = await startChild(db, port, { KEYTURN_RUN_WORKER: 'false' });
    const tokens = await consentOverHttp(first.url, app, { email, vin: 'WBA8E9G50GNT40001' });
    expect(await authorizationOf(first.url, tokens.access_token)).toMatchObject({
      status: 'pending',
      vehicle_status: 'pending',
    });
    // Committed, never sent: the maker has heard nothing.
    expect(world.simulator.knobs.clearances().filter((c) => c.primaryUserHint === email)).toHaveLength(0);

    await kill(first);
    expect(first.process.signalCode).toBe('SIGKILL');

    const second = await startChild(db, port, { KEYTURN_RUN_WORKER: 'true', RELAY_POLL_MS: '50' });
    const status = await until(async () => {
      const now = await authorizationOf(second.url, tokens.access_token);
      return now.vehicle_status === 'pending' ? undefined : now;
    }, 'the restarted worker sent the clearance request');
    expect(status).toMatchObject({ status: 'pending', vehicle_status: 'pending_validation' });
    // Once the job is done nothing else will ask the maker: exactly one clearance there.
    const database = openDatabase({
      databaseUrl: db.env.DATABASE_URL,
      sqliteFile: db.env.KEYTURN_SQLITE_FILE ?? ':memory:',
    });
    try {
      await until(async () => {
        const job = await database.query()('outbox').where({ kind: 'clearance_request' }).first();
        return job?.done_at ? job : undefined;
      }, 'the request job to be done');
    } finally {
      await database.close();
    }
    expect(world.simulator.knobs.clearances().filter((c) => c.primaryUserHint === email)).toHaveLength(1);
    expect(world.mails.filter((mail) => mail.to === email)).toHaveLength(1);
  }, 120_000);

  it('Keyturn killed (SIGKILL) after sending and before marking the job done › the retry finds the same clearance at the maker', async () => {
    const db = await freshDatabase();
    const port = await closedPort();
    const app = await addAppWithCli(world, db, port);
    const email = 'crash.after-send@example.com';
    const database = openDatabase({
      databaseUrl: db.env.DATABASE_URL,
      sqliteFile: db.env.KEYTURN_SQLITE_FILE ?? ':memory:',
    });
    try {
      // The maker holds the request for 2 s before handling it; Keyturn dies while it waits for the answer.
      world.simulator.knobs.setResponseDelay(2_000);
      const child = await startChild(db, port, { KEYTURN_RUN_WORKER: 'true', RELAY_POLL_MS: '50' });
      const requestArrived = world.simulator.knobs.nextCallArrives();
      const tokens = await consentOverHttp(child.url, app, { email, vin: 'WBA8E9G50GNT40002' });
      // The request is at the maker, its answer not yet back.
      await requestArrived;
      await kill(child);

      // The maker handled the request after all: it holds the clearance and mailed the owner.
      const [simulated] = await until(async () => {
        const found = world.simulator.knobs.clearances().filter((c) => c.primaryUserHint === email);
        return found.length > 0 ? found : undefined;
      }, 'the maker handled the request');
      world.simulator.knobs.setResponseDelay(0);
      const [job] = await database.query()('outbox').where({ kind: 'clearance_request' });
      expect(job.done_at).toBeNull();
      const [clearanceRow] = await database.query()('clearances');
      expect(clearanceRow.status).toBe('pending');
      expect(clearanceRow.oem_reference).toBeNull();
      // The dead worker's lease (60 s) runs out: fast-forwarded here instead of waited for.
      await database
        .query()('outbox')
        .where({ id: job.id })
        .update({ locked_until: Date.now() - 1 });

      // Restarted on the same address (so the request it repeats is the same request, callback URL included).
      const second = await startChild(db, port, { KEYTURN_RUN_WORKER: 'true', RELAY_POLL_MS: '50' });
      const status = await until(async () => {
        const now = await authorizationOf(second.url, tokens.access_token);
        return now.vehicle_status === 'pending' ? undefined : now;
      }, 'the restarted worker repeated the clearance request');
      expect(status).toMatchObject({ status: 'pending', vehicle_status: 'pending_validation' });
      const [clearance] = await database.query()('clearances');
      expect(clearance.oem_reference).toBe(simulated?.id);
      const [retried] = await database.query()('outbox').where({ id: job.id });
      expect(retried.done_at).not.toBeNull();
      expect(retried.attempts).toBe(2);
      expect(world.simulator.knobs.clearances().filter((c) => c.primaryUserHint === email)).toHaveLength(1);
      expect(world.mails.filter((mail) => mail.to === email)).toHaveLength(1);
    } finally {
      world.simulator.knobs.setResponseDelay(0);
      await database.close();
    }
  }, 120_000);

  it('clearance request job run again after the maker accepted › the handler sees the clearance is no longer pending and sends nothing', async () => {
    const keyturn = await startKeyturnWithOem(world);
    try {
      const app = await registerTestApp(keyturn);
      const granted = await grantClearance(keyturn, app, {
        email: 'crash.rerun@example.com',
        vin: 'WBA8E9G50GNT40003',
      });
      await keyturn.worker.drain();
      expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_validation');
      const transitions = (await keyturn.repositories.clearances.transitions(granted.clearance.id)).length;

      // The same job again, as if the first run's completion had never been recorded.
      await keyturn.repositories.outbox.enqueue(
        'clearance_request',
        { clearanceId: granted.clearance.id },
        {},
      );
      expect(await keyturn.repositories.outbox.pending('clearance_request')).toBe(1);
      world.simulator.knobs.failNextRequests(1);
      expect(await keyturn.worker.drain()).toBe(1);

      expect(await keyturn.repositories.outbox.pending('clearance_request')).toBe(0);
      expect(await clearanceStatus(keyturn, granted.clearance.id)).toBe('pending_validation');
      expect(await keyturn.repositories.clearances.transitions(granted.clearance.id)).toHaveLength(
        transitions,
      );
      expect(simulatedClearancesFor(world, granted.clearance.id)).toHaveLength(1);
      expect(world.mails.filter((mail) => mail.to === granted.email)).toHaveLength(1);
      // Had the handler called the maker, the armed failure would have been used up.
      const [job] = await keyturn.database
        .query()('outbox')
        .where({ kind: 'clearance_request' })
        .orderBy('id', 'desc');
      expect(job.last_error).toBeNull();
    } finally {
      world.simulator.knobs.failNextRequests(0);
      await keyturn.close();
    }
  });

  it('HTTP connector › the same clearance sent twice with the same Idempotency-Key → same reference, one clearance, one mail', async () => {
    const connector = httpConnector({
      provider: 'bmw',
      baseUrl: world.env.OEM_BMW_URL ?? '',
      apiKey: world.secrets.bmw?.apiKey ?? '',
    });
    const email = 'crash.connector@example.com';
    const request = {
      clearanceId: 'clr-connector-idempotency',
      idempotencyKey: 'clr-connector-idempotency',
      vin: 'WBA8E9G50GNT40004',
      brand: 'bmw',
      dataPoints: ['location', 'mileage'],
      callbackUrl: 'http://127.0.0.1:9/callbacks/bmw',
      primaryUserHint: email,
      locale: 'en',
      appName: 'Service X',
    };
    const first = await connector.requestClearance(request);
    const second = await connector.requestClearance(request);
    expect(first.outcome).toBe('accepted');
    expect(second).toEqual(first);
    expect(simulatedClearancesFor(world, request.clearanceId)).toHaveLength(1);
    expect(world.mails.filter((mail) => mail.to === email)).toHaveLength(1);

    // Two parallel sends (a retry racing the original) also meet at one clearance.
    const racing = {
      ...request,
      clearanceId: 'clr-connector-race',
      idempotencyKey: 'clr-connector-race',
      primaryUserHint: 'crash.race@example.com',
    };
    const [a, b] = await Promise.all([
      connector.requestClearance(racing),
      connector.requestClearance(racing),
    ]);
    expect(a).toEqual(b);
    expect(simulatedClearancesFor(world, racing.clearanceId)).toHaveLength(1);
  });
});
