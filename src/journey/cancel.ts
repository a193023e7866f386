// "Cancel and return to the app", offered on every step: ends the interaction exactly as Deny does, so the
// app gets `error=access_denied` with its `state`. Once the owner has consented it changes nothing.
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { journeyOf } from './context.ts';
import { denyAccess, sameResultAsFirstClick } from './interaction-result.ts';

export function cancelPath(uid: string): string {
  return `/interaction/${uid}/cancel`;
}

export function cancelJourney(deps: { authorizationServer: AuthorizationServer }) {
  return async function cancelJourney(ctx: Context) {
    const state = journeyOf(ctx);
    if (state.journey.consentedAt !== null) return sameResultAsFirstClick(ctx, state);
    return denyAccess(ctx, deps.authorizationServer);
  };
}
