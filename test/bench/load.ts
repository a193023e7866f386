// Drives HTTP load with autocannon (bounded in time and requests) and measures the server's CPU around it.
import autocannon from 'autocannon';
import type { ServerHandle } from './server-process.ts';
import { clockTicksPerSecond } from './server-process.ts';

export interface BenchRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A fixed body, or one made per request (e.g. a random token). */
  body?: string | (() => string);
  /** Per-request body and extra headers (e.g. signed callbacks); wins over `body`. */
  next?: () => { body: string; headers: Record<string, string> };
  /** Per-request path and query (e.g. a random page cursor); `path` is then only its name in logs. */
  nextPath?: () => string;
}

export interface LoadSpec {
  url: string;
  request: BenchRequest;
  connections: number;
  /** Seconds; the run also stops after `amount` requests when given. */
  duration: number;
  amount?: number;
  /** A response counts as an error unless this accepts it (checked on 2xx responses only). */
  accept?: (body: string) => boolean;
}

export interface Sample {
  requests: number;
  seconds: number;
  rps: number;
  cpuUsPerReq: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  non2xx: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function latencyStats(latencies: number[]) {
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9) };
}

/** One autocannon run; latencies are taken per response (sub-millisecond precision). */
export async function runLoad(spec: LoadSpec): Promise<Omit<Sample, 'cpuUsPerReq'>> {
  const latencies: number[] = [];
  let rejected = 0;
  let firstFailure: string | undefined;
  const { request } = spec;
  const makeBody = typeof request.body === 'function' ? request.body : undefined;
  const makeNext = request.next;
  const makePath = request.nextPath;
  const started = performance.now();
  let lastResponse = started;
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.duration,
    // autocannon notices the end of a run (its duration, or its amount of requests) only at its next sample
    // tick: with the default of a second, a 0.5 s run sent load for a whole second, and a run bounded by its
    // amount sat idle for up to a second before returning.
    sampleInt: 100,
    ...(spec.amount ? { amount: spec.amount } : {}),
    timeout: 10,
    requests: [
      {
        method: request.method ?? 'GET',
        path: request.path,
        headers: request.headers,
        ...(typeof request.body === 'string' ? { body: request.body } : {}),
        ...(makeBody || makeNext || makePath
          ? {
              setupRequest: (req) => {
                if (makePath) req.path = makePath();
                if (makeNext) {
                  const next = makeNext();
                  req.body = next.body;
                  req.headers = { ...request.headers, ...next.headers };
                } else if (makeBody) req.body = makeBody();
                return req;
              },
            }
          : {}),
        onResponse: (status: number, body: string) => {
          const ok = status >= 200 && status < 300;
          if (ok && spec.accept && !spec.accept(body)) rejected++;
          if ((!ok || (spec.accept && !spec.accept(body))) && firstFailure === undefined)
            firstFailure = `${status} ${request.path}: ${body.slice(0, 200)}`;
        },
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, ms) => {
    latencies.push(ms);
    lastResponse = performance.now();
  });
  const result = await instance;
  // Up to the last response, not to the tick that ends the run: the rate is the load's own.
  const seconds = ((latencies.length > 0 ? lastResponse : performance.now()) - started) / 1000;
  if (firstFailure || result.errors || result.timeouts)
    process.stderr.write(
      `load ${request.path}: ${result.errors} errors, ${result.timeouts} timeouts, ${rejected} rejected bodies, ${result.non2xx} non-2xx; first: ${firstFailure ?? '-'}\n`,
    );
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    ...latencyStats(latencies),
    errors: result.errors + result.timeouts + rejected,
    non2xx: result.non2xx,
  };
}

/** Runs `work` and charges the server's CPU time over that window to the requests it reports. */
export async function measured<T extends { requests: number }>(
  server: ServerHandle,
  work: () => Promise<T>,
): Promise<T & { cpuUsPerReq: number }> {
  const before = server.cpuTicks();
  const result = await work();
  const ticks = server.cpuTicks() - before;
  return { ...result, cpuUsPerReq: (ticks * (1e6 / clockTicksPerSecond)) / Math.max(1, result.requests) };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Median of each figure over the repetitions; errors and non-2xx are summed (any is a failure). */
export function medianSample(samples: Sample[]): Sample {
  const pick = (key: keyof Sample) => median(samples.map((s) => s[key]));
  return {
    requests: pick('requests'),
    seconds: pick('seconds'),
    rps: pick('rps'),
    cpuUsPerReq: pick('cpuUsPerReq'),
    p50: pick('p50'),
    p99: pick('p99'),
    p999: pick('p999'),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    non2xx: samples.reduce((sum, s) => sum + s.non2xx, 0),
  };
}
