// One log line per request: method, path, the names of its query parameters, status and duration. Query
// values, bodies and headers are never logged (they carry codes, tokens, link tokens and addresses); only
// the values of a few parameters that identify without revealing (the app's client_id, say) are kept.
// Health probes log at debug, so they do not drown the requests.
import type { Context, Next } from 'koa';
import { type Logger, withoutPersonalData } from '../logger.ts';

/** Query parameters whose values are neither secrets nor personal data, and help an operator. */
const harmlessQueryValues = new Set([
  'client_id',
  'response_type',
  'scope',
  'locale',
  'ui_locales',
  'lang',
  'prompt',
]);

const healthProbes = new Set(['/healthz', '/readyz']);

/** `client_id=demo&state&code_challenge`: every parameter's name, the value only of harmless ones. */
function queryForLog(query: URLSearchParams): string | undefined {
  const parts = [...query].map(([name, value]) =>
    harmlessQueryValues.has(name) ? `${name}=${encodeURIComponent(value)}` : name,
  );
  return parts.length > 0 ? withoutPersonalData(parts.join('&')) : undefined;
}

export function requestLog(logger: Logger) {
  // Not an async function itself: when no line would be written (health probes log below info), the
  // request passes straight on, without a frame of its own to wait in.
  return function requestLog(ctx: Context, next: Next) {
    return logger.isLevelEnabled('info') ? logged(logger, ctx, next) : next();
  };
}

async function logged(logger: Logger, ctx: Context, next: Next) {
  const started = performance.now();
  let status: number | undefined;
  try {
    await next();
  } catch (error) {
    status = (error as { status?: number }).status ?? 500;
    throw error;
  } finally {
    const line = {
      requestId: ctx.state.requestId,
      method: ctx.method,
      path: ctx.path,
      query: queryForLog(new URLSearchParams(ctx.querystring)),
      status: status ?? ctx.status,
      ms: Math.round(performance.now() - started),
    };
    if (healthProbes.has(ctx.path)) logger.debug(line, 'request');
    else logger.info(line, 'request');
  }
}
