// Step 5 — permissions: the app's data points by group (sensitive ones marked in words, not colour alone),
// the vehicle being shared and how long access lasts (the authorization server's grant lifetime); Allow or
// Deny. The decision comes right after the summary, so a phone shows it without scrolling, and again after
// the full list. Allow commits the consent and returns to the app with `code`, `state` and `iss`; Deny
// returns `error=access_denied`.

import type { Context } from 'koa';
import { groupDataPoints } from '../domain/data-points.ts';
import { findBrand } from '../domain/vehicles/brands.ts';
import type { JourneysRepository } from '../storage/journeys.ts';
import type { JourneyState } from './context.ts';
import { type ConsentDependencies, grantConsent } from './grant-consent.ts';
import { denyAccess, finish, sameResultAsFirstClick } from './interaction-result.ts';
import type { JourneyLimits } from './limits.ts';
import { field, guarded, renderStep } from './page.ts';

/**
 * The scopes an allowed consent grants: the data points the app asked for as scopes (those asked for in its
 * authorization detail are granted as that detail), `openid` when the app asked for it, and
 * `offline_access` always: every app keeps its access for as long as the grant lasts by refreshing its
 * tokens, and the token response must say so (RFC 6749 §3.3), so a client may ask for it again on refresh.
 */
function grantedScopes(state: JourneyState): string[] {
  const requested = String(state.interaction.params.scope ?? '').split(' ');
  return [
    ...state.requestedScopes.filter((scope) => requested.includes(scope)),
    ...(requested.includes('openid') ? ['openid'] : []),
    'offline_access',
  ];
}

const secondsPerDay = 86_400;

export interface PermissionsStepDependencies extends ConsentDependencies {
  limits: JourneyLimits;
  journeys: JourneysRepository;
  /** The authorization server's grant lifetime (its `ttl.Grant`): how long an app keeps its access. */
  grantTtlSeconds: number;
}

export function permissionsStep(deps: PermissionsStepDependencies) {
  const accessDays = Math.max(1, Math.round(deps.grantTtlSeconds / secondsPerDay));

  function show(ctx: Context, state: JourneyState, error?: string, status = error ? 400 : 200) {
    const brand = findBrand(state.journey.brand ?? '');
    const groups = groupDataPoints(state.requestedScopes);
    renderStep(
      ctx,
      'permissions',
      {
        brand: brand ? { id: brand.id, name: brand.name } : undefined,
        vin: state.journey.vin,
        groups,
        sensitive: groups.flatMap((group) => group.dataPoints.filter((point) => point.sensitive)),
        accessDays,
        error,
      },
      status,
    );
  }

  return {
    show: guarded('permissions', async (ctx, state) => show(ctx, state)),
    submit: guarded('permissions', async (ctx, state) => {
      // One journey gives at most one consent: a second click (or a Deny after Allow) changes nothing.
      if (state.journey.consentedAt !== null) return sameResultAsFirstClick(ctx, state);
      const decision = field(ctx, 'decision');
      if (decision === 'deny') {
        return denyAccess(ctx, deps.authorizationServer);
      }
      if (decision !== 'allow') return show(ctx, state, 'journey:errors.decision_invalid');
      const { journey, interaction, app } = state;
      const wait = await deps.limits.consent({
        address: ctx.ip,
        accountId: journey.accountId as string,
        vin: journey.vin as string,
        clientId: app.clientId,
      });
      if (wait !== undefined) {
        ctx.set('Retry-After', String(wait));
        return show(ctx, state, 'journey:errors.consents_throttled', 429);
      }
      const scopes = grantedScopes(state);
      // The owner logs in with this consent unless the browser's login session already names them: a
      // journey that began without one, or whose session ended with "Not you?" (./not-you.ts).
      const login =
        interaction.prompt.name === 'login' || interaction.session?.accountId !== journey.accountId
          ? {
              login: {
                accountId: journey.accountId,
                amr: [journey.authMethod],
                remember: true,
              },
            }
          : {};
      // The consent and the interaction's result commit together (one commit, nothing half-saved). The
      // journey's consent mark is taken first: a parallel click waits for this commit, then finds it.
      const outcome = await deps.transactions.transaction(async () => {
        if (!(await deps.journeys.markConsented(journey.uid))) return 'already_consented' as const;
        const { grantId } = await grantConsent(deps, {
          journey,
          clientId: app.clientId,
          appName: app.name,
          scopes,
          dataPoints: state.requestedScopes,
          ...(state.requestedDetail
            ? {
                vehicleData: state.requestedDetail.data_points.filter((point) =>
                  state.requestedScopes.includes(point),
                ),
              }
            : {}),
        });
        // The library recomputes the code's scope from the authorization request's, which it stripped of
        // offline_access (OpenID Connect Core §11 keeps it only with prompt=consent, and this journey is
        // that consent): the request the interaction resumes with carries the granted scope.
        interaction.params.scope = scopes.join(' ');
        await finish(ctx, deps.authorizationServer, { ...login, consent: { grantId } }, interaction);
        return 'consented' as const;
      });
      if (outcome === 'already_consented') sameResultAsFirstClick(ctx, state);
    }),
  };
}
