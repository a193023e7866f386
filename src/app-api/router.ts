// The app management API, for an app with the token of its client credentials (scope `management`): its
// owners' clearances (a page of them, one with its changelog, disconnecting one), the eligibility of a
// vehicle and a month's usage statement. Every route: the app's bearer token, then its input checked, then a command or a rule, then a
// presenter. An app sees only its own owners' clearances: another app's id, or a fleet's vehicle, answers
// 404 exactly as an unknown one does.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { disconnectClearance } from '../apps/disconnect-clearance.ts';
import { checkEligibility } from '../domain/vehicles/eligibility.ts';
import { InvalidInput, KeyturnError, NotFound } from '../errors.ts';
import { translator } from '../i18n/index.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import type { RateLimit } from '../security/rate-limits.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { ClearancesRepository } from '../storage/clearances.ts';
import type { UsageLedgerRepository } from '../storage/usage-ledger.ts';
import type { Pricing } from '../usage/pricing.ts';
import { usageStatement } from '../usage/statement.ts';
import { appOf, authenticateApp } from './authenticate.ts';
import { parseEligibilityRequest } from './eligibility-request.ts';
import { encodeCursor, parseListQuery } from './list-query.ts';
import { presentChangelog, presentClearance, presentEligibility } from './present.ts';
import { parseUsageQuery } from './usage-query.ts';

export interface AppManagementDependencies {
  authorizationServer: AuthorizationServer;
  /** The origin DPoP proofs name in `htu`. */
  issuer: string;
  apps: AppsRepository;
  clearances: ClearancesRepository;
  relay: RelayStore;
  /** Eligibility checks per app. */
  eligibilityChecks: RateLimit;
  usageLedger: UsageLedgerRepository;
  pricing: Pricing;
}

/** A JSON body of at most 16 kB; one that is no JSON is refused as such, in the request's language. */
const json = bodyParser({
  enableTypes: ['json'],
  jsonLimit: '16kb',
  encoding: 'utf-8',
  onError(error) {
    if ((error as { status?: number }).status !== 400) throw error;
    throw new InvalidInput({ messageKey: 'app_api:errors.invalid_json', cause: error });
  },
});

async function requireJson(ctx: Context, next: Next) {
  if (!ctx.is('application/json'))
    throw new KeyturnError(415, 'unsupported_media_type', { messageKey: 'app_api:errors.json_required' });
  await next();
}

export function appManagementRouter(deps: AppManagementDependencies): Router {
  const router = new Router();
  router.use(authenticateApp(deps));

  /** The app's owner clearance named in the path, or 404. */
  async function clearanceOf(ctx: Context) {
    const clearance = await deps.clearances.findForApp(appOf(ctx).clientId, String(ctx.params.id));
    if (!clearance)
      throw new NotFound('unknown_clearance', { messageKey: 'app_api:errors.unknown_clearance' });
    return clearance;
  }

  async function limitEligibilityChecks(ctx: Context, next: Next) {
    const wait = await deps.eligibilityChecks.take(appOf(ctx).clientId);
    if (wait !== undefined)
      throw new KeyturnError(429, 'too_many_eligibility_checks', {
        messageKey: 'app_api:errors.too_many_eligibility_checks',
        retryAfterSeconds: wait,
      });
    await next();
  }

  router.get('/v1/clearances', async function listClearances(ctx) {
    const filter = parseListQuery(ctx.query);
    const page = await deps.clearances.listForApp(appOf(ctx).clientId, {
      ...filter,
      limit: filter.limit + 1,
    });
    const more = page.length > filter.limit;
    const clearances = more ? page.slice(0, filter.limit) : page;
    const last = clearances.at(-1);
    ctx.body = {
      clearances: clearances.map(presentClearance),
      next_cursor: more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  });

  router.get('/v1/clearances/:id', async function showClearance(ctx) {
    const clearance = await clearanceOf(ctx);
    ctx.body = {
      ...presentClearance(clearance),
      changelog: presentChangelog(await deps.clearances.changelog(clearance.id)),
    };
  });

  router.delete('/v1/clearances/:id', async function disconnect(ctx) {
    await disconnectClearance(deps.relay, await clearanceOf(ctx));
    ctx.status = 202;
    ctx.body = presentClearance(await clearanceOf(ctx));
  });

  router.post('/v1/eligibility', limitEligibilityChecks, requireJson, json, async function eligibility(ctx) {
    const request = parseEligibilityRequest(ctx.request.body);
    const answer = checkEligibility({
      ...request,
      appBrands: appOf(ctx).brands,
      currentYear: new Date().getUTCFullYear(),
    });
    ctx.body = presentEligibility(answer, translator(ctx.state.locale ?? 'en'));
  });

  router.get('/v1/usage', async function usage(ctx) {
    const { month } = parseUsageQuery(ctx.query);
    ctx.body = await usageStatement(deps.usageLedger, deps.pricing, appOf(ctx).clientId, month);
  });

  return router;
}
