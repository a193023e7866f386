import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpRequestTally } from '../../src/metrics/http-tally.ts';

const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const names = {
  requests: { name: 'test_http_requests_total', help: 'Requests.' },
  duration: { name: 'test_http_request_duration_seconds', help: 'Durations.' },
};

/** The same requests as prom-client's own counter and histogram would show them. */
async function asPromClientWouldWrite(
  requests: [method: string, route: string, status: number, seconds: number][],
) {
  const registry = new Registry();
  const counter = new Counter({
    ...names.requests,
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const histogram = new Histogram({
    ...names.duration,
    labelNames: ['method', 'route'],
    buckets: bounds,
    registers: [registry],
  });
  for (const [method, route, status, seconds] of requests) {
    counter.inc({ method, route, status: String(status) });
    histogram.observe({ method, route }, seconds);
  }
  return registry.metrics();
}

const requests: [string, string, number, number][] = [
  ['POST', '/token/introspection', 200, 0.002],
  ['POST', '/token/introspection', 200, 0.0075],
  ['POST', '/token/introspection', 401, 0.001],
  ['GET', '/interaction/:uid/vin', 200, 0.3],
  ['GET', '/interaction/:uid/vin', 303, 12],
  ['POST', '/callbacks/:provider', 500, 0.05],
];

describe('HttpRequestTally', () => {
  it('writes exactly what prom-client’s counter and histogram write for the same requests', async () => {
    const registry = new Registry();
    const tally = new HttpRequestTally(bounds);
    tally.register(registry, names);
    for (const [method, route, status, seconds] of requests) tally.record(method, route, status, seconds);

    const lines = (text: string) => text.split('\n').sort();
    expect(lines(await registry.metrics())).toEqual(lines(await asPromClientWouldWrite(requests)));
  });

  it('counts a duration equal to a bound in that bound’s bucket, and one above every bound only in +Inf', async () => {
    const registry = new Registry();
    const tally = new HttpRequestTally(bounds);
    tally.register(registry, names);
    tally.record('GET', '/jwks', 200, 0.01);
    tally.record('GET', '/jwks', 200, 60);

    const text = await registry.metrics();
    expect(text).toContain(
      'test_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/jwks"} 0',
    );
    expect(text).toContain(
      'test_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/jwks"} 1',
    );
    expect(text).toContain('test_http_request_duration_seconds_bucket{le="10",method="GET",route="/jwks"} 1');
    expect(text).toContain(
      'test_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/jwks"} 2',
    );
    expect(text).toContain('test_http_request_duration_seconds_count{method="GET",route="/jwks"} 2');
  });

  it('is emptied by the registry’s resetMetrics, as prom-client’s own metrics are', async () => {
    const registry = new Registry();
    const tally = new HttpRequestTally(bounds);
    tally.register(registry, names);
    tally.record('GET', '/jwks', 200, 0.001);
    registry.resetMetrics();

    expect(await registry.metrics()).not.toContain('route="/jwks"');
  });
});
