// Bearer authentication of the fleet API (RFC 6750): an access token the fleet got with its client
// credentials (RFC 6749 §4.4) for the scope `fleet:clearance`. Anything else (no token, an app's token, an
// expired or revoked one, a token of a client that is no fleet) → 401 `invalid_token`.
import type { Context, Next } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { bearerToken } from '../authorization-server/authorization-status.ts';
import { fleetClearanceScope } from '../authorization-server/clients.ts';
import { Unauthorized } from '../errors.ts';
import type { Fleet, FleetsRepository } from '../storage/fleets.ts';

export function authenticateFleet(deps: {
  authorizationServer: AuthorizationServer;
  fleets: FleetsRepository;
}) {
  return async function authenticateFleet(ctx: Context, next: Next) {
    const value = bearerToken(ctx);
    const token = value ? await deps.authorizationServer.ClientCredentials.find(value) : undefined;
    if (!token?.isValid || !token.clientId || !token.scope?.split(' ').includes(fleetClearanceScope))
      throw new Unauthorized('invalid_token');
    const fleet = await deps.fleets.findByClientId(token.clientId);
    if (!fleet) throw new Unauthorized('invalid_token');
    ctx.state.fleet = fleet;
    await next();
  };
}

export const fleetOf = (ctx: Context): Fleet => ctx.state.fleet as Fleet;
