// Spawns one server as its own process pinned to core 0, waits for health, and reads its CPU time and peak RSS.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the benchmark compiles the sources and its own servers (repository-relative). */
export const compiledDirectory = '.bench/dist';

export const clockTicksPerSecond = 100; // getconf CLK_TCK on Linux

export interface ServerOptions {
  name: string;
  /** TypeScript entry point (repository-relative); its compiled form under .bench/dist is what runs. */
  script: string;
  /** A JavaScript entry point compiled elsewhere (another build's `dist/src/main.js`), run instead. */
  compiled?: string;
  env?: Record<string, string>;
  healthPath?: string;
  /** Directory for `--cpu-prof` output; profiling is off when undefined. */
  cpuProfileDir?: string;
  cwd?: string;
  /** Also set ISSUER to the server's own URL. */
  withIssuer?: boolean;
}

export interface ServerHandle {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** utime + stime of the whole process, in clock ticks. */
  cpuTicks(): number;
  /** Peak resident set size (VmHWM) in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function readCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is field 3; utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function readPeakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`server exited (${child.exitCode}) before ready:\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not healthy at ${url} within ${timeoutMs} ms:\n${output()}`);
}

export async function startServer(options: ServerOptions): Promise<ServerHandle> {
  const port = await freePort();
  // The compiled script (under .bench/dist, see run.ts) runs on plain node.
  const compiled = options.compiled ?? options.script.replace(/^(.*)\.ts$/, `${compiledDirectory}/$1.js`);
  const nodeArgs: string[] = [];
  if (options.cpuProfileDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
  if (process.env.BENCH_TRACE_GC) nodeArgs.push('--trace-gc');
  // taskset execs node, so the child's pid is the server's pid.
  const child = spawn('taskset', ['-c', '0', process.execPath, ...nodeArgs, compiled], {
    cwd: options.cwd ?? process.cwd(),
    env: {
      ...process.env,
      ...options.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(options.withIssuer ? { ISSUER: `http://127.0.0.1:${port}` } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(`${url}${options.healthPath ?? '/healthz'}`, child, () => log);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const pid = child.pid as number;
  return {
    name: options.name,
    pid,
    port,
    url,
    cpuTicks: () => readCpuTicks(pid),
    peakRssMb: () => readPeakRssMb(pid),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
