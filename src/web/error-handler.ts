// The one error path: every error thrown by Keyturn's own routes is logged here and rendered, localized,
// as an HTML page or as JSON. Only exposed errors show their message; anything else is a generic 500.
import type { Context, Next } from 'koa';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { DatabaseUnavailable, KeyturnError } from '../errors.ts';
import { type Locale, translator } from '../i18n/index.ts';
import type { Logger } from '../logger.ts';
import { render } from './views.ts';

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

function classify(error: unknown): KeyturnError {
  if (error instanceof KeyturnError) return error;
  if (isDatabaseUnavailable(error)) return new DatabaseUnavailable(error);
  const http = error as HttpLikeError;
  const status = http?.status ?? http?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && http.expose !== false) {
    const code =
      status === 404
        ? 'not_found'
        : status === 413
          ? 'payload_too_large'
          : status === 415
            ? 'unsupported_media_type'
            : 'invalid_input';
    return new KeyturnError(status, code, { cause: error });
  }
  return new KeyturnError(500, 'server_error', { cause: error });
}

export function wantsJson(ctx: Context): boolean {
  if (ctx.path.startsWith('/v1/') || ctx.path.startsWith('/callbacks/') || ctx.path.endsWith('.json'))
    return true;
  return ctx.accepts('html', 'json') === 'json';
}

export function errorHandler(logger: Logger) {
  return async function errorHandler(ctx: Context, next: Next) {
    try {
      await next();
      if (ctx.respond !== false && ctx.status === 404 && ctx.body === undefined)
        throw new KeyturnError(404, 'not_found');
    } catch (thrown) {
      const error = classify(thrown);
      if (error instanceof DatabaseUnavailable)
        logger.warn({ err: thrown, path: ctx.path, method: ctx.method }, 'database unavailable');
      else if (error.status >= 500)
        logger.error(
          { err: thrown, requestId: ctx.state.requestId, path: ctx.path, method: ctx.method },
          'request failed',
        );
      else logger.debug({ code: error.code, path: ctx.path }, 'request refused');
      const locale = (ctx.state.locale ?? 'en') as Locale;
      const t = translator(locale);
      const message = t(error.messageKey, error.messageValues);
      ctx.set('Cache-Control', 'no-store');
      if (error.challenge !== undefined) ctx.set('WWW-Authenticate', error.challenge);
      else if (error.status === 401 && ctx.path.startsWith('/v1/')) ctx.set('WWW-Authenticate', 'Bearer');
      if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
      if (wantsJson(ctx)) {
        ctx.status = error.status;
        ctx.body = {
          error: error.code,
          error_description: message,
          ...(Object.keys(error.fields).length > 0
            ? {
                fields: Object.fromEntries(
                  Object.entries(error.fields).map(([field, key]) => [field, t(key)]),
                ),
              }
            : {}),
          ...(error.problems.length > 0
            ? {
                problems: error.problems.map((problem) => ({
                  pointer: problem.pointer,
                  code: problem.code,
                  message: t(problem.messageKey, problem.messageValues),
                })),
              }
            : {}),
        };
        return;
      }
      render(
        ctx,
        'errors/error.njk',
        {
          code: error.code,
          message,
          status: error.status,
          returnTo: (thrown as { returnTo?: string }).returnTo,
          reference: ctx.state.requestId,
        },
        error.status,
      );
    }
  };
}
