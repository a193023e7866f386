// The maker's customer portal page where the primary user reviews a clearance and approves, rejects or
// later revokes it, and, while it is approved, makes the car report a vehicle event (one button per
// type). The maker's own login is not simulated: the link is enough. Every form carries a CSRF token.
import { Router, type RouterContext } from '@koa/router';
import type { Next } from 'koa';
import { isVehicleEventType, vehicleEventTypes } from '../../domain/vehicle-events.ts';
import { isLocale, type Locale, translator } from '../../i18n/index.ts';
import { fromAcceptLanguage, negotiateLocale } from '../../i18n/negotiate.ts';
import { isDecision, type Simulation } from './commands.ts';
import { portalCsrf } from './csrf.ts';
import { notFound, renderErrorsAsHtml, SimulatorError } from './errors.ts';
import { makerMark, makerName } from './makers.ts';
import type { SimulatedClearance } from './store.ts';
import { basePathOf, type Views } from './views.ts';

const outcomes = ['approved', 'rejected', 'revoked'];

function portalLocale(ctx: RouterContext, clearance?: SimulatedClearance): Locale {
  const lang = ctx.query.lang;
  return negotiateLocale(
    isLocale(lang) ? lang : undefined,
    fromAcceptLanguage(ctx.get('accept-language')),
    clearance?.locale,
  );
}

export function portal(deps: {
  providers: Record<string, unknown>;
  simulation: Simulation;
  views: Views;
}): Router {
  const { simulation, views } = deps;

  async function asPage(ctx: RouterContext, next: Next): Promise<void> {
    renderErrorsAsHtml(ctx);
    if (!Object.hasOwn(deps.providers, ctx.params.provider ?? '')) throw notFound();
    ctx.set('Cache-Control', 'no-store');
    await next();
  }

  async function showPortal(ctx: RouterContext): Promise<void> {
    const clearance = simulation.find(ctx.params.provider!, ctx.params.id!);
    const locale = portalLocale(ctx, clearance);
    const t = translator(locale);
    const appName = clearance.appName ?? t('simulator:mail.unnamed_app');
    const outcome = ctx.query.outcome;
    // The notice only confirms what still holds: a stale `outcome` in the URL is ignored.
    const sent = ctx.query.sent;
    const notice =
      typeof outcome === 'string' && outcomes.includes(outcome) && outcome === clearance.status
        ? t(`simulator:portal.outcome.${outcome}`, { app: appName })
        : isVehicleEventType(sent) && clearance.status === 'approved'
          ? t('simulator:portal.events.sent', { event: t(`simulator:portal.events.${sent}`) })
          : undefined;
    ctx.type = 'html';
    ctx.set('Content-Language', locale);
    ctx.body = views.page(ctx, 'portal.njk', locale, {
      title: t('simulator:portal.title'),
      maker: makerName(t, clearance.provider, clearance.brand),
      makerMark: makerMark(clearance.provider, clearance.brand),
      clearance,
      appName,
      statusLabel: t(`simulator:status.${clearance.status}`),
      notice,
      eventTypes: vehicleEventTypes,
      csrfToken: ctx.state.csrfToken,
    });
  }

  /** The portal page's own path as the browser sees it, whichever of its routes answered. */
  function portalPath(ctx: RouterContext, clearance: SimulatedClearance): string {
    return `${basePathOf(ctx)}/${encodeURIComponent(clearance.provider)}/portal/${clearance.id}`;
  }

  async function decide(ctx: RouterContext): Promise<void> {
    const clearance = simulation.find(ctx.params.provider!, ctx.params.id!);
    const decision = (ctx.request.body as Record<string, unknown> | undefined)?.decision;
    if (!isDecision(decision)) throw new SimulatorError(400, 'invalid_decision');
    const updated = simulation.decide(clearance.id, decision);
    const locale = portalLocale(ctx, updated);
    ctx.status = 303;
    ctx.redirect(`${portalPath(ctx, updated)}?lang=${locale}&outcome=${updated.status}`);
  }

  async function reportEvent(ctx: RouterContext): Promise<void> {
    const clearance = simulation.find(ctx.params.provider!, ctx.params.id!);
    const type = (ctx.request.body as Record<string, unknown> | undefined)?.event;
    if (!isVehicleEventType(type)) throw new SimulatorError(400, 'invalid_event');
    simulation.report(clearance.id, type);
    ctx.status = 303;
    ctx.redirect(`${portalPath(ctx, clearance)}?lang=${portalLocale(ctx, clearance)}&sent=${type}`);
  }

  return new Router()
    .get('/:provider/portal/:id', asPage, portalCsrf, showPortal)
    .post('/:provider/portal/:id', asPage, portalCsrf, decide)
    .post('/:provider/portal/:id/events', asPage, portalCsrf, reportEvent);
}
