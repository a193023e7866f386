// GET /metrics: the container's registry in Prometheus' text format. In production it answers only a
// request bearing `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time; else 401), and is
// not there at all (404) while METRICS_TOKEN is unset; in development and tests an unset token leaves it open.
// Serving the registry adds Node's process metrics to it: only a process that serves them collects them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Registry } from 'prom-client';
import type { Mode } from '../config/settings.ts';
import { KeyturnError, NotFound, Unauthorized } from '../errors.ts';
import { collectProcessMetrics } from './registry.ts';

export const metricsPath = '/metrics';

export interface MetricsEndpointOptions {
  registry: Registry;
  mode: Mode;
  token: string | undefined;
}

/** Both sides hashed first, so the comparison takes the same time whatever the presented token's length. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function bearerToken(ctx: Context): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
  return match?.[1];
}

export function metricsEndpoint(options: MetricsEndpointOptions) {
  const { registry, mode, token } = options;
  if (token !== undefined || mode !== 'production') collectProcessMetrics(registry);
  return async function serveMetrics(ctx: Context) {
    if (token === undefined && mode === 'production') throw new NotFound();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      throw new KeyturnError(405, 'invalid_input');
    }
    if (token !== undefined && !sameSecret(bearerToken(ctx) ?? '', token)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="keyturn-metrics"');
      throw new Unauthorized('invalid_token');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  };
}
