// The consent journey's routes, all under /interaction/:uid/ (the interaction cookie's path).
// Order of steps: ./steps.ts. One file per step, each with its GET and POST handler.
import Router from '@koa/router';
import type { Context } from 'koa';
import { csrfProtection } from '../web/csrf.ts';
import { type AccountStepDependencies, accountStep } from './account.ts';
import { brandStep } from './brand.ts';
import { type JourneyDependencies, loadJourney } from './context.ts';
import type { ConsentDependencies } from './grant-consent.ts';
import { landingStep } from './landing.ts';
import { redirectToOpenStep } from './page.ts';
import { permissionsStep } from './permissions.ts';
import { vinStep } from './vin.ts';

export type JourneyRouterDependencies = JourneyDependencies & AccountStepDependencies & ConsentDependencies;

export function journeyRouter(deps: JourneyRouterDependencies): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(csrfProtection(), loadJourney(deps));

  const handlers = {
    landing: landingStep(deps),
    account: accountStep(deps),
    brand: brandStep(deps),
    vin: vinStep(deps),
    permissions: permissionsStep(deps),
  };

  router.get('/', async (ctx: Context) => redirectToOpenStep(ctx));
  for (const [step, handler] of Object.entries(handlers)) {
    router.get(`/${step}`, handler.show);
    router.post(`/${step}`, handler.submit);
  }
  return router;
}
