// Counts every HTTP request and times it, labelled by method, route template and status code. The route is
// the template a router matched (`/callbacks/:provider`), one of the fixed paths served without a router
// (`/token`, `/token/introspection`), `<prefix>/*` under a mounted app, or `unmatched`: never the raw path,
// so no VIN, id or client id becomes a label. Only the tally moves here: no database work per request.
import type { Context, Next } from 'koa';
import type { HttpRequestTally } from './http-tally.ts';

export interface RouteLabels {
  /** Paths served as they are, without a router (each one is its own template). */
  fixedPaths: Iterable<string>;
  /** Prefixes under which a mounted app serves whatever it serves. */
  mountedPrefixes?: string[];
}

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The status a request ended with: Koa's, or the thrown error's (500 unless it carries a valid one). */
function statusOf(ctx: Context, thrown: unknown, failed: boolean): number {
  if (!failed) return ctx.status;
  const status = (thrown as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : 500;
}

export function httpMetrics(tally: HttpRequestTally, routes: RouteLabels) {
  const fixedPaths = new Set(routes.fixedPaths);
  const mountedPrefixes = routes.mountedPrefixes ?? [];

  function routeOf(ctx: Context): string {
    for (const prefix of mountedPrefixes)
      if (ctx.path === prefix || ctx.path.startsWith(`${prefix}/`)) return `${prefix}/*`;
    const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
    if (typeof matched === 'string') return matched;
    if (fixedPaths.has(ctx.path)) return ctx.path;
    return 'unmatched';
  }

  return async function httpMetrics(ctx: Context, next: Next) {
    const started = performance.now();
    let thrown: unknown;
    let failed = false;
    try {
      await next();
    } catch (error) {
      thrown = error;
      failed = true;
      throw error;
    } finally {
      tally.record(
        knownMethods.has(ctx.method) ? ctx.method : 'OTHER',
        routeOf(ctx),
        statusOf(ctx, thrown, failed),
        (performance.now() - started) / 1000,
      );
    }
  };
}
