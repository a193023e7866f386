// The maker's customer portal page where the primary user reviews a clearance and approves, rejects or
// later revokes it. The maker's own login is not simulated: the link is enough.
import { Router, type RouterContext } from '@koa/router';
import type { Next } from 'koa';
import { isLocale, type Locale, translator } from '../../i18n/index.ts';
import { fromAcceptLanguage, negotiateLocale } from '../../i18n/negotiate.ts';
import { isDecision, type Simulation } from './commands.ts';
import { notFound, renderErrorsAsHtml, SimulatorError } from './errors.ts';
import { makerName } from './makers.ts';
import type { SimulatedClearance } from './store.ts';
import type { Views } from './views.ts';

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
    const notice =
      typeof outcome === 'string' && outcomes.includes(outcome) && outcome === clearance.status
        ? t(`simulator:portal.outcome.${outcome}`, { app: appName })
        : undefined;
    ctx.type = 'html';
    ctx.set('Content-Language', locale);
    ctx.body = views.page(ctx, 'portal.njk', locale, {
      title: t('simulator:portal.title'),
      maker: makerName(t, clearance.provider, clearance.brand),
      clearance,
      appName,
      statusLabel: t(`simulator:status.${clearance.status}`),
      notice,
    });
  }

  async function decide(ctx: RouterContext): Promise<void> {
    const clearance = simulation.find(ctx.params.provider!, ctx.params.id!);
    const decision = (ctx.request.body as Record<string, unknown> | undefined)?.decision;
    if (!isDecision(decision)) throw new SimulatorError(400, 'invalid_decision');
    const updated = simulation.decide(clearance.id, decision);
    const locale = portalLocale(ctx, updated);
    const self = new URL(ctx.originalUrl, 'http://simulator.invalid').pathname.replace(/\/+$/, '');
    ctx.status = 303;
    ctx.redirect(`${self}?lang=${locale}&outcome=${updated.status}`);
  }

  return new Router()
    .get('/:provider/portal/:id', asPage, showPortal)
    .post('/:provider/portal/:id', asPage, decide);
}
