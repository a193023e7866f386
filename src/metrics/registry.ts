// Keyturn's Prometheus metrics: one registry per container (never prom-client's global one, so several
// Keyturns in one process keep their own counts), holding the counters Keyturn moves as it works, and
// Node's process metrics only once a process serves the registry (a CLI command never collects them).
// Every label value comes from a small fixed set (route templates, status codes, job kinds, outcomes),
// never from a request's path, a VIN, an id or a client id.
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { HttpRequestTally } from './http-tally.ts';

/** What a module counting something needs: a counter it can move, with these labels. */
export interface LabelledCounter<Label extends string> {
  inc(labels: Record<Label, string>): void;
}

/** Seconds, from a fast answer (introspection) to a slow page or a call that waits on a maker. */
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const withProcessMetrics = new WeakSet<Registry>();

/**
 * Adds Node's process metrics (CPU, memory, event loop, GC) to `registry`, once however often it is asked;
 * for the processes that serve it at /metrics.
 */
export function collectProcessMetrics(registry: Registry): void {
  if (withProcessMetrics.has(registry)) return;
  withProcessMetrics.add(registry);
  collectDefaultMetrics({ register: registry });
}

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const http = new HttpRequestTally(durationBuckets);
  http.register(registry, {
    requests: {
      name: 'keyturn_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
    },
    duration: {
      name: 'keyturn_http_request_duration_seconds',
      help: 'Time from a request reaching Keyturn to its answer, by method and route template.',
    },
  });
  return {
    registry,
    http,
    introspections: new Counter({
      name: 'keyturn_introspections_total',
      help: 'RFC 7662 introspection answers, by whether the token was active.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    jobsAbandoned: new Counter({
      name: 'keyturn_jobs_abandoned_total',
      help: 'Outbox jobs given up on (attempts exhausted or a permanent failure), by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'keyturn_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by kind and outcome (delivered, failed, refused).',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    callbacks: new Counter({
      name: 'keyturn_callbacks_total',
      help: "Makers' callbacks received, by provider and outcome.",
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
