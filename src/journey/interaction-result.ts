// How the journey ends its interaction and answers the app: with a consent (Allow) or with
// `error=access_denied` (Deny, or Cancel on any step; RFC 6749 §4.1.2.1). The authorization server then
// redirects to the app's redirect_uri with `state` and `iss`.
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import type { JourneyState } from './context.ts';

/**
 * Ends the interaction with `result` (as the library's interactionResult does, on the interaction as
 * loaded).
 */
export async function finish(
  ctx: Context,
  authorizationServer: AuthorizationServer,
  result: Record<string, unknown>,
  interaction?: JourneyState['interaction'],
) {
  let redirectTo: string;
  if (interaction) {
    interaction.result = result;
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    redirectTo = interaction.returnTo;
  } else {
    redirectTo = await authorizationServer.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: false,
    });
  }
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

/** The owner declined: nothing is granted, the app gets `error=access_denied`. */
export function denyAccess(ctx: Context, authorizationServer: AuthorizationServer) {
  return finish(ctx, authorizationServer, {
    error: 'access_denied',
    error_description: 'the owner denied access',
  });
}

/** Where the first click already went: the interaction's resume, which answers the app once. */
export function sameResultAsFirstClick(ctx: Context, state: JourneyState) {
  ctx.status = 303;
  ctx.redirect(state.interaction.returnTo);
}
