// Typed errors of the OEM simulator and the one middleware that renders them: JSON for the clearance
// API (`{error, detail?}`), a localized HTML page for the portal. Stack traces never reach a client.
import type { Context, Next } from 'koa';
import { isLocale, translator } from '../../i18n/index.ts';
import { fromAcceptLanguage, negotiateLocale } from '../../i18n/negotiate.ts';
import type { Logger } from './logger.ts';
import type { Views } from './views.ts';

export class SimulatorError extends Error {
  constructor(
    readonly status: number,
    /** Stable machine-readable code; also the key of the localized message under `simulator:errors`. */
    readonly code: string,
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'SimulatorError';
  }
}

export const unauthorized = () => new SimulatorError(401, 'unauthorized');
export const notFound = () => new SimulatorError(404, 'not_found');
export const invalidRequest = (detail: string) => new SimulatorError(400, 'invalid_request', detail);

/** Set by the portal routes so that their errors are rendered as pages, not JSON. */
export function renderErrorsAsHtml(ctx: Context): void {
  ctx.state.errorSurface = 'html';
}

function asSimulatorError(error: unknown, logger: Logger, ctx: Context): SimulatorError {
  if (error instanceof SimulatorError) return error;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  // Errors thrown by Koa or the body parser (malformed JSON, too large, wrong type) are client errors.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const detail = expose === true ? (error as Error).message : 'the request body could not be parsed';
    return new SimulatorError(status, status === 404 ? 'not_found' : 'invalid_request', detail);
  }
  logger.error({ err: error, method: ctx.method, path: ctx.path }, 'oem simulator: unexpected error');
  return new SimulatorError(500, 'internal_error');
}

function wantsHtml(ctx: Context): boolean {
  if (ctx.state.errorSurface === 'html') return true;
  if (ctx.state.errorSurface === 'json') return false;
  return ctx.accepts('json', 'html') === 'html';
}

export function errorHandler(views: Views, logger: Logger) {
  return async function handleSimulatorErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) throw notFound();
    } catch (caught) {
      const error = asSimulatorError(caught, logger, ctx);
      ctx.status = error.status;
      ctx.set('Cache-Control', 'no-store');
      if (!wantsHtml(ctx)) {
        ctx.body = error.detail ? { error: error.code, detail: error.detail } : { error: error.code };
        return;
      }
      const lang = ctx.query.lang;
      const locale = negotiateLocale(
        isLocale(lang) ? lang : undefined,
        fromAcceptLanguage(ctx.get('accept-language')),
      );
      const t = translator(locale);
      const key = `simulator:errors.${error.code}`;
      ctx.type = 'html';
      ctx.set('Content-Language', locale);
      ctx.body = views.page(ctx, 'error.njk', locale, {
        title: t('simulator:errors.title'),
        message: t(key, { defaultValue: t('simulator:errors.internal_error') }),
      });
    }
  };
}
