// What every HTTP request pays for metrics: one series found by its route template and status, and a few
// numbers added. prom-client's counter and histogram check and hash their labels on each call, which cost
// the running server more than a tenth of an introspection's CPU; here the requests are tallied in plain
// numbers, and prom-client receives them as its counter and histogram values only when /metrics is read.
import type { Registry } from 'prom-client';

interface Series {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  count: number;
  sum: number;
  /** Requests per bucket (not cumulative): index i counts durations in (bounds[i-1], bounds[i]]. */
  readonly buckets: Float64Array;
}

/** One value of a collected metric, in the shape prom-client's registry writes out. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

export interface HttpTallyNames {
  requests: { name: string; help: string };
  duration: { name: string; help: string };
}

export class HttpRequestTally {
  /** route → status → method → series: route templates and methods are a small fixed set of constants. */
  private readonly series = new Map<string, Map<number, Map<string, Series>>>();

  constructor(private readonly bounds: readonly number[]) {}

  record(method: string, route: string, status: number, seconds: number): void {
    let byStatus = this.series.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.series.set(route, byStatus);
    }
    let byMethod = byStatus.get(status);
    if (byMethod === undefined) {
      byMethod = new Map();
      byStatus.set(status, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      series = { method, route, status, count: 0, sum: 0, buckets: new Float64Array(this.bounds.length) };
      byMethod.set(method, series);
    }
    series.count += 1;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > (this.bounds[bucket] as number)) bucket += 1;
    if (bucket < this.bounds.length) series.buckets[bucket] = (series.buckets[bucket] as number) + 1;
  }

  private *all(): Generator<Series> {
    for (const byStatus of this.series.values())
      for (const byMethod of byStatus.values()) yield* byMethod.values();
  }

  /** Requests by method, route and status: a Prometheus counter. */
  private requestSamples(): Sample[] {
    return [...this.all()].map((series) => ({
      labels: { method: series.method, route: series.route, status: String(series.status) },
      value: series.count,
    }));
  }

  /** Durations by method and route (statuses summed): a Prometheus histogram's buckets, sum and count. */
  private durationSamples(name: string): Sample[] {
    const byRoute = new Map<
      string,
      { labels: { method: string; route: string }; sum: number; count: number; buckets: number[] }
    >();
    for (const series of this.all()) {
      const key = `${series.method} ${series.route}`;
      let total = byRoute.get(key);
      if (total === undefined) {
        total = {
          labels: { method: series.method, route: series.route },
          sum: 0,
          count: 0,
          buckets: this.bounds.map(() => 0),
        };
        byRoute.set(key, total);
      }
      total.sum += series.sum;
      total.count += series.count;
      series.buckets.forEach((n, i) => {
        (total.buckets[i] as number) += n;
      });
    }
    const samples: Sample[] = [];
    for (const { labels, sum, count, buckets } of byRoute.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += buckets[i] as number;
        samples.push({ labels: { le, ...labels }, value: cumulative, metricName: `${name}_bucket` });
      });
      samples.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${name}_bucket` });
      samples.push({ labels, value: sum, metricName: `${name}_sum` });
      samples.push({ labels, value: count, metricName: `${name}_count` });
    }
    return samples;
  }

  reset(): void {
    this.series.clear();
  }

  /** Adds the tally to `registry` as a counter and a histogram, read each time the registry is. */
  register(registry: Registry, names: HttpTallyNames): void {
    const collector = (
      type: 'counter' | 'histogram',
      meta: { name: string; help: string },
      samples: () => Sample[],
    ) => ({
      ...meta,
      type,
      aggregator: 'sum' as const,
      get: async () => ({ ...meta, type, aggregator: 'sum' as const, values: samples() }),
      reset: () => this.reset(),
    });
    // The registry takes any metric that answers get() and reset(); its types name only its own classes.
    const add = (metric: unknown) =>
      registry.registerMetric(metric as Parameters<Registry['registerMetric']>[0]);
    add(collector('counter', names.requests, () => this.requestSamples()));
    add(collector('histogram', names.duration, () => this.durationSamples(names.duration.name)));
  }
}
