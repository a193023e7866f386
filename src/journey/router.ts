// The consent journey's routes, all under /interaction/:uid (the interaction cookie's path): the bare
// interaction URL, where the authorization server sends the owner, shows the open step itself.
// Order of steps: ./steps.ts. One file per step, each with its GET and POST handler.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { csrfProtection } from '../web/csrf.ts';
import { type AccountStepDependencies, accountStep } from './account.ts';
import { brandStep } from './brand.ts';
import { cancelJourney } from './cancel.ts';
import { type JourneyDependencies, journeyOf, loadJourney } from './context.ts';
import type { ConsentDependencies } from './grant-consent.ts';
import { type LandingDependencies, landingStep } from './landing.ts';
import { type NotYouDependencies, notYou } from './not-you.ts';
import { type PermissionsStepDependencies, permissionsStep } from './permissions.ts';
import { firstOpenStep } from './steps.ts';
import { type VerifyStepDependencies, verifyStep } from './verify.ts';
import { vinStep } from './vin.ts';

export type JourneyRouterDependencies = JourneyDependencies &
  AccountStepDependencies &
  VerifyStepDependencies &
  ConsentDependencies &
  PermissionsStepDependencies &
  NotYouDependencies &
  LandingDependencies;

const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

export function journeyRouter(deps: JourneyRouterDependencies): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(forms, csrfProtection(), loadJourney(deps));

  const handlers = {
    landing: landingStep(deps),
    account: accountStep(deps),
    verify: verifyStep(deps),
    brand: brandStep(deps),
    vin: vinStep(deps),
    permissions: permissionsStep(deps),
  };

  // The authorization server sends the owner here: the open step is shown at once, without a redirect.
  router.get('/', async (ctx: Context) => handlers[firstOpenStep(journeyOf(ctx).journey)].show(ctx));
  for (const [step, handler] of Object.entries(handlers)) {
    router.get(`/${step}`, handler.show);
    router.post(`/${step}`, handler.submit);
  }
  router.post('/brand/country', handlers.brand.changeCountry);
  // "Not you?": the owner named by the browser's login session is not the one at the keyboard.
  router.post('/not-you', notYou(deps));
  // Every step offers to leave the journey; any step may send it.
  router.post('/cancel', cancelJourney(deps));
  return router;
}
