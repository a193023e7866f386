// "Continuing as m…@example.com · Not you?": a journey that starts with an owner known from this browser's
// login session skips the landing and account steps. "Not you?" ends that login session (and the
// dashboard's, as every sign-out does) and the journey's use of the owner: it starts again at the landing,
// keeping only what the app asked for. The interaction forgets the ended session, so the owner who then
// signs in or confirms an address is the one the consent logs in (see ./permissions.ts).
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { endLoginSession } from '../account/login-session.ts';
import { endOwnerSession } from '../account/owner-session.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { journeyOf } from './context.ts';
import { redirectTo } from './page.ts';
import { presetBrand } from './requested-vehicle.ts';

export function notYouPath(uid: string): string {
  return `/interaction/${uid}/not-you`;
}

export interface NotYouDependencies {
  authorizationServer: AuthorizationServer;
  journeys: JourneysRepository;
  ownerSessions: OwnerSessionsRepository;
}

export function notYou(deps: NotYouDependencies) {
  return async function notYou(ctx: Context) {
    const state = journeyOf(ctx);
    const { journey, interaction } = state;
    // Once consented, the journey's result is fixed: nothing to undo here.
    if (journey.consentedAt !== null || state.continuingAs === undefined) return redirectTo(ctx, 'landing');
    await endLoginSession(ctx, deps.authorizationServer);
    await endOwnerSession(ctx, deps.ownerSessions);
    interaction.session = undefined;
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    const changes = {
      accountId: null,
      accountIsNew: false,
      authMethod: null,
      country: null,
      email: null,
      codeHash: null,
      codeExpiresAt: null,
      brand: presetBrand(interaction.params, state.app.brands),
      vin: null,
    };
    await deps.journeys.update(journey.uid, changes);
    state.journey = { ...journey, ...changes };
    redirectTo(ctx, 'landing');
  };
}
