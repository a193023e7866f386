// GET /v1/authorization — the app's own view of its token: the authorization status even while pending
// (data consumers use introspection instead). Bearer access token per RFC 6750; a DPoP-bound one
// (RFC 9449) as `DPoP` with a proof of its key (./dpop-resource.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { requestAgainPath } from '../account/paths.ts';
import { authorizationStatus, mayAskAgain } from '../domain/clearance/status.ts';
import { detailsWithStatus } from '../domain/vehicle-data-details.ts';
import { Unauthorized } from '../errors.ts';
import type { Clearance, ClearancesRepository } from '../storage/clearances.ts';
import { checkTokenBinding, presentedToken } from './dpop-resource.ts';

/**
 * The app's view of one authorization: the clearance behind its token, the token's scope, while the
 * authorization is pending when the current wait for the maker began (`pendingSince`, epoch ms), and after
 * an error, a rejection or a revocation at the maker, the page where the owner can ask the maker again
 * (`resolution_url`, below `issuer`). A token granted as authorization details (RFC 9396) shows them, each
 * with the same `status`; a token without any has no `authorization_details`.
 */
export function presentAuthorization(
  clearance: Clearance,
  scope: string,
  pendingSince: number | null,
  issuer: string,
  grantedDetails?: readonly Record<string, unknown>[],
) {
  const status = authorizationStatus(clearance.status);
  return {
    status,
    vehicle_status: clearance.status,
    vin: clearance.vin,
    brand: clearance.brand,
    scope,
    pending_since:
      status === 'pending' && pendingSince !== null ? new Date(pendingSince).toISOString() : null,
    resolution_url: mayAskAgain(clearance.status) ? `${issuer}${requestAgainPath(clearance.id)}` : null,
    ...(grantedDetails?.length
      ? { authorization_details: detailsWithStatus(grantedDetails, clearance.status) }
      : {}),
  };
}

interface AuthorizationStatusDependencies {
  authorizationServer: AuthorizationServer;
  clearances: ClearancesRepository;
  issuer: string;
}

export function authorizationStatusEndpoint(deps: AuthorizationStatusDependencies) {
  return async function authorizationStatusEndpoint(ctx: Context) {
    const presented = presentedToken(ctx);
    const token = presented ? await deps.authorizationServer.AccessToken.find(presented.value) : undefined;
    if (!presented || !token?.isValid || !token.grantId) throw new Unauthorized('invalid_token');
    await checkTokenBinding(ctx, deps, presented, token.jkt);
    const clearance = await deps.clearances.findByGrantId(token.grantId);
    if (!clearance || clearance.clientId !== token.clientId) throw new Unauthorized('invalid_token');
    const pendingSince =
      authorizationStatus(clearance.status) === 'pending'
        ? ((await deps.clearances.waitingSince(clearance.id)) ?? null)
        : null;
    ctx.body = presentAuthorization(clearance, token.scope ?? '', pendingSince, deps.issuer, token.rar);
  };
}

/** The JSON API apps call with their own access token. */
export function appApiRouter(deps: AuthorizationStatusDependencies): Router {
  return new Router().get('/v1/authorization', authorizationStatusEndpoint(deps));
}
