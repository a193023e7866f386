// The compiled production server's start-up: `node <dist>/src/main.js` with a production configuration on a
// PostgreSQL database migrated beforehand, timed from spawn to the first 200 from /healthz (polled every
// 10 ms), with the process's CPU time at that moment; several starts, then the medians. Given several
// builds (`--dist` repeated), their starts take turns, so a host whose load changes meets each alike.
// Usage: npm run build && npx tsx test/bench/start-up.ts [--runs 7] [--dist dist] [--dist other-build/dist]
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../src/paths.ts';
import { productionEnv } from '../support/production.ts';
import { clockTicksPerSecond, freePort, readCpuTicks } from './server-process.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    dist: { type: 'string', multiple: true, default: ['dist'] },
  },
});
const builds = (values.dist as string[]).map((folder) => resolve(projectRoot, folder));
const serverUrl = process.env.KEYTURN_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = '/keyturn_bench_start_up';

const psql = (sql: string) => execFileSync('psql', [serverUrl, '-qc', sql], { stdio: 'ignore' });
psql('drop database if exists keyturn_bench_start_up with (force)');
psql('create database keyturn_bench_start_up');
const env = {
  PATH: process.env.PATH ?? '',
  ...productionEnv(),
  DATABASE_URL: databaseUrl.href,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
};
execFileSync(process.execPath, [join(builds[0] as string, 'src', 'cli', 'main.js'), 'migrate'], {
  env,
  stdio: 'ignore',
});

interface Start {
  wallMs: number;
  cpuMs: number;
}

async function startOnce(dist: string): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(dist, 'src', 'main.js')], {
    env: { ...env, PORT: String(port) },
    stdio: 'ignore',
  });
  while (child.exitCode === null && performance.now() - started < 30_000) {
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (healthy) {
      const wallMs = performance.now() - started;
      const cpuMs = (readCpuTicks(child.pid as number) * 1000) / clockTicksPerSecond;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      return { wallMs, cpuMs };
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGKILL');
  throw new Error(`no 200 from /healthz (exit code ${child.exitCode})`);
}

const median = (numbers: number[]) =>
  [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] ?? Number.NaN;
const starts = new Map<string, Start[]>(builds.map((dist) => [dist, []]));
try {
  for (let run = 0; run < Number(values.runs); run++)
    for (const dist of builds) starts.get(dist)?.push(await startOnce(dist));
} finally {
  psql('drop database if exists keyturn_bench_start_up with (force)');
}
for (const [dist, times] of starts)
  process.stdout.write(
    `${dist}: spawn → first 200 from /healthz: median ${median(times.map((s) => s.wallMs)).toFixed(0)} ms ` +
      `(CPU ${median(times.map((s) => s.cpuMs)).toFixed(0)} ms) over ${times.length} starts: ` +
      `${times.map((s) => s.wallMs.toFixed(0)).join(', ')} ms\n`,
  );
