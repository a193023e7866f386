// Open-loop load at a steady rate, for latency at a given load. autocannon's rate option is a per-second
// quota: each connection sends flat out until its share of the second is used, then waits for the next
// second, so "half capacity" becomes full-speed bursts and the p99 measures the burst. Here request n is
// sent at start + n / rate (timers fire about every millisecond, so a tick sends what fell due since the
// last) whatever the earlier requests are doing; its latency runs from that moment, including any wait
// for a free socket, so a server that falls behind is charged for the queue (no coordinated omission).

import { spawn } from 'node:child_process';
import { type Dispatcher, Pool } from 'undici';
import { type BenchRequest, latencyStats, type Sample } from './load.ts';
import { clockTicksPerSecond, compiledDirectory, readCpuTicks } from './server-process.ts';

export interface PacedSpec {
  url: string;
  request: BenchRequest;
  /** Requests per second, evenly spaced. */
  rate: number;
  /** Seconds measured, after `warmup` seconds at the same pace that are not (connections, JIT). */
  duration: number;
  warmup?: number;
  /** Sockets kept open; requests due while all are busy wait (and that wait counts). */
  maxSockets?: number;
  accept?: (body: string) => boolean;
  /** The server's process: its CPU time is read over the measured requests only (not the warm-up). */
  serverPid?: number;
}

export type PacedSample = Omit<Sample, 'cpuUsPerReq'> & {
  /** Server CPU per request over the measured part; NaN without `serverPid`. */
  serverCpuUsPerReq: number;
};

export async function runPaced(spec: PacedSpec): Promise<PacedSample> {
  // undici: a fraction of node:http's client cost per request, so the load core keeps up with the pace.
  const pool = new Pool(spec.url, { connections: spec.maxSockets ?? 64, pipelining: 1 });
  const warmupRequests = Math.round(spec.rate * (spec.warmup ?? 1));
  const total = warmupRequests + Math.max(1, Math.round(spec.rate * spec.duration));
  const interval = 1000 / spec.rate;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  let settled = 0;
  const serverTicks = () => (spec.serverPid === undefined ? Number.NaN : readCpuTicks(spec.serverPid));
  let ticksAtStart = Number.NaN;

  const send = async (measuredRequest: boolean) => {
    const sentAt = performance.now();
    const { body, headers } = requestParts(spec.request);
    try {
      const response = await pool.request({
        path: spec.request.path,
        method: (spec.request.method ?? 'GET') as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const text = await response.body.text();
      if (!measuredRequest) return;
      latencies.push(performance.now() - sentAt);
      if (response.statusCode < 200 || response.statusCode >= 300) non2xx++;
      else if (spec.accept && !spec.accept(text)) errors++;
    } catch {
      if (measuredRequest) errors++;
    }
  };

  const started = performance.now();
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        sent++;
        if (sent === warmupRequests + 1) ticksAtStart = serverTicks();
        void send(sent > warmupRequests).then(() => {
          if (++settled === total) done();
        });
      }
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * interval - performance.now() - 0.5));
    };
    tick();
  });
  const seconds = (performance.now() - started) / 1000 - warmupRequests / spec.rate;
  const ticks = serverTicks() - ticksAtStart;
  await pool.close();
  return {
    serverCpuUsPerReq: (ticks * (1e6 / clockTicksPerSecond)) / Math.max(1, latencies.length),
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    ...latencyStats(latencies),
    errors,
    non2xx,
  };
}

function requestParts(request: BenchRequest): { body: string | undefined; headers: Record<string, string> } {
  if (request.next) {
    const next = request.next();
    return { body: next.body, headers: { ...request.headers, ...next.headers } };
  }
  const body = typeof request.body === 'function' ? request.body() : request.body;
  return { body, headers: { ...request.headers } };
}

/** A paced load that crosses a process boundary: plain data, bodies drawn at random from `bodies`. */
export interface ApartSpec {
  url: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  bodies: string[];
  /** A 2xx answer must contain this. */
  accept: string;
  /** As many connections as the closed-loop run had: more, and a short stall fans out into a long queue. */
  maxSockets: number;
  rate: number;
  duration: number;
  warmup: number;
  serverPid?: number;
}

/**
 * The same paced load from a process of its own (compiled, on the load core), for latency measured while
 * this process drives other load: sharing one event loop with autocannon would delay the paced requests
 * in the client and charge that to the server.
 */
export async function runPacedApart(spec: ApartSpec): Promise<PacedSample> {
  const script = new URL('./paced-child.js', import.meta.url).pathname.replace(
    /\/test\/bench\//,
    `/${compiledDirectory}/test/bench/`,
  );
  const child = spawn('taskset', ['-c', '1', process.execPath, script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  child.stdin.end(JSON.stringify(spec));
  const code = await exited;
  if (code !== 0) throw new Error(`paced load process exited with ${code}`);
  return JSON.parse(output) as PacedSample;
}
