// GET /v1/authorization — the app's own view of its token: the authorization status even while pending
// (data consumers use introspection instead). Bearer access token per RFC 6750.
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { authorizationStatus, type ClearanceStatus } from '../domain/clearance/status.ts';
import { Unauthorized } from '../errors.ts';
import type { ClearancesRepository } from '../storage/clearances.ts';

export function bearerToken(ctx: Context): string | undefined {
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(ctx.get('authorization'));
  return match?.[1];
}

export function authorizationStatusEndpoint(deps: { provider: Provider; clearances: ClearancesRepository }) {
  return async function authorizationStatusEndpoint(ctx: Context) {
    const value = bearerToken(ctx);
    const token = value ? await deps.provider.AccessToken.find(value) : undefined;
    if (!token?.isValid || !token.grantId) throw new Unauthorized('invalid_token');
    const clearance = await deps.clearances.findByGrantId(token.grantId);
    if (!clearance || clearance.clientId !== token.clientId) throw new Unauthorized('invalid_token');
    ctx.body = {
      status: authorizationStatus(clearance.status as ClearanceStatus),
      vehicle_status: clearance.status,
      vin: clearance.vin,
      brand: clearance.brand,
      scope: token.scope ?? '',
    };
  };
}

/** The JSON API apps call with their own access token. */
export function appApiRouter(deps: { provider: Provider; clearances: ClearancesRepository }): Router {
  return new Router().get('/v1/authorization', authorizationStatusEndpoint(deps));
}
