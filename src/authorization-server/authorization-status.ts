// GET /v1/authorization — the app's own view of its token: the authorization status even while pending
// (data consumers use introspection instead). Bearer access token per RFC 6750.
import Router from '@koa/router';
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { authorizationStatus } from '../domain/clearance/status.ts';
import { Unauthorized } from '../errors.ts';
import type { Clearance, ClearancesRepository } from '../storage/clearances.ts';

/** The app's view of one authorization: the clearance behind its token, and the token's scope. */
export function presentAuthorization(clearance: Clearance, scope: string) {
  return {
    status: authorizationStatus(clearance.status),
    vehicle_status: clearance.status,
    vin: clearance.vin,
    brand: clearance.brand,
    scope,
  };
}

export function bearerToken(ctx: Context): string | undefined {
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(ctx.get('authorization'));
  return match?.[1];
}

export function authorizationStatusEndpoint(deps: {
  authorizationServer: AuthorizationServer;
  clearances: ClearancesRepository;
}) {
  return async function authorizationStatusEndpoint(ctx: Context) {
    const value = bearerToken(ctx);
    const token = value ? await deps.authorizationServer.AccessToken.find(value) : undefined;
    if (!token?.isValid || !token.grantId) throw new Unauthorized('invalid_token');
    const clearance = await deps.clearances.findByGrantId(token.grantId);
    if (!clearance || clearance.clientId !== token.clientId) throw new Unauthorized('invalid_token');
    ctx.body = presentAuthorization(clearance, token.scope ?? '');
  };
}

/** The JSON API apps call with their own access token. */
export function appApiRouter(deps: {
  authorizationServer: AuthorizationServer;
  clearances: ClearancesRepository;
}): Router {
  return new Router().get('/v1/authorization', authorizationStatusEndpoint(deps));
}
