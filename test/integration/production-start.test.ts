// The compiled server as production runs it: the build `npm run build` makes (tsc's output with the server
// and the CLI bundled), in a deployment folder of this test's own, then `node <dist>/src/main.js` with
// NODE_ENV=production, real keys, an https ISSUER served on plain http behind a (notional) TLS-terminating
// proxy, a fresh PostgreSQL database migrated first with the compiled `keyturn migrate` (as a deployment of
// several instances does, so the start timed is the one every restart makes) and METRICS_TOKEN. A consumer
// registered with the compiled CLI introspects; /metrics shows those requests only to the bearer of the
// token; SIGTERM ends the process with exit code 0 in the grace.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.ts';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import { buildForProduction, type ProductionBuild, productionEnv } from '../support/production.ts';

const run = promisify(execFile);
const issuer = 'https://keyturn.example';
const metricsToken = 'production-start-metrics-token-0123456789';
const shutdownGraceSeconds = 5;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resolves with the exit code (or the signal's name) once the process has ended. */
function exitOf(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
}

// The scale-out deployment this checks runs on PostgreSQL; on the SQLite project the file is skipped by design
// (the build and the process start are the same; the SQLite engine is covered by every other test).
describe.runIf(testEngine() === 'postgres')('node dist/src/main.js › the compiled production server', () => {
  let build: ProductionBuild;
  let buildFolder: string;
  let database: TestDatabase;
  let server: ChildProcess | undefined;
  let url: string;
  let env: Record<string, string>;
  const output: string[] = [];

  beforeAll(async () => {
    build = await buildForProduction();
    buildFolder = build.dist;
    database = await createTestDatabase();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      PATH: process.env.PATH ?? '',
      ...productionEnv(issuer),
      ...database.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      TRUST_PROXY: 'true',
      METRICS_TOKEN: metricsToken,
      SHUTDOWN_GRACE: String(shutdownGraceSeconds),
      LOG_LEVEL: 'info',
    };
    const migrated = await run(process.execPath, [join(buildFolder, 'src', 'cli', 'main.js'), 'migrate'], {
      cwd: projectRoot,
      env,
    });
    expect((JSON.parse(migrated.stdout) as { applied: string[] }).applied.length).toBeGreaterThan(0);
  }, 240_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await exitOf(server);
    }
    await database?.drop();
    build?.remove();
  });

  it('node dist/src/main.js › starts, serves discovery, introspection and guarded metrics, and stops with 0 on SIGTERM', async () => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(buildFolder, 'src', 'main.js')], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));

    let healthy = false;
    while (!healthy && child.exitCode === null && performance.now() - started < 60_000) {
      healthy = await fetch(`${url}/healthz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(healthy, output.join('')).toBe(true);
    const startupMs = Math.round(performance.now() - started);
    console.log(`compiled production server: spawn → first 200 from /healthz in ${startupMs} ms`);

    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // The build also emits what `keyturn/client` points at: its module and its type declarations.
    const exported = (
      JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
        exports: Record<string, { types: string; import: string }>;
      }
    ).exports['./client'];
    for (const file of [exported?.types, exported?.import])
      expect(existsSync(join(buildFolder, String(file).replace(/^\.\/dist\//, '')))).toBe(true);
    const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.introspection_endpoint).toBe(`${issuer}/token/introspection`);

    const registered = await run(
      process.execPath,
      [join(buildFolder, 'src', 'cli', 'main.js'), 'consumers', 'add', '--name', 'Production check'],
      { cwd: projectRoot, env },
    );
    const consumer = JSON.parse(registered.stdout) as { client_id: string; client_secret: string };
    const introspect = (authorization: string) =>
      fetch(`${url}/token/introspection`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=not-a-token-this-server-issued',
      });
    const basic = `Basic ${Buffer.from(`${consumer.client_id}:${consumer.client_secret}`).toString('base64')}`;
    const answer = await introspect(basic);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ active: false });
    const wrongSecret = `Basic ${Buffer.from(`${consumer.client_id}:wrong`).toString('base64')}`;
    expect((await introspect(wrongSecret)).status).toBe(401);

    const withoutToken = await fetch(`${url}/metrics`);
    expect(withoutToken.status).toBe(401);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(metrics.status).toBe(200);
    const body = await metrics.text();
    expect(body).toContain('keyturn_introspections_total{outcome="inactive"} 1');
    expect(body).toContain(
      'keyturn_http_requests_total{method="POST",route="/token/introspection",status="401"} 1',
    );
    expect(body).toContain('keyturn_http_requests_total{method="GET",route="/metrics",status="401"} 1');
    expect(body).toMatch(/keyturn_db_pool_connections_used\{pool="main"\} \d+/);
    expect(body).not.toContain(consumer.client_id);

    const stopping = performance.now();
    child.kill('SIGTERM');
    const code = await Promise.race([
      exitOf(child),
      new Promise<string>((resolve) =>
        setTimeout(() => resolve('still running'), shutdownGraceSeconds * 1000),
      ),
    ]);
    expect(code, output.join('')).toBe(0);
    console.log(
      `compiled production server: SIGTERM → exit 0 in ${Math.round(performance.now() - stopping)} ms`,
    );
    expect(output.join('')).toContain('"msg":"stopped"');
  });
});
