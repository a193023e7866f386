// Bearer authentication of the fleet API (RFC 6750): an access token the fleet got with its client
// credentials (RFC 6749 §4.4) for the scope `fleet:clearance`. Anything else (no token, an app's token, an
// expired or revoked one, a token of a client that is no fleet) → 401 `invalid_token`.
import type { Context, Next } from 'koa';
import {
  type ClientCredentialsBearerDependencies,
  clientOfBearer,
} from '../authorization-server/client-credentials-bearer.ts';
import { fleetClearanceScope } from '../authorization-server/clients.ts';
import { Unauthorized } from '../errors.ts';
import type { Fleet, FleetsRepository } from '../storage/fleets.ts';

export function authenticateFleet(deps: ClientCredentialsBearerDependencies & { fleets: FleetsRepository }) {
  return async function authenticateFleet(ctx: Context, next: Next) {
    const clientId = await clientOfBearer(ctx, deps, fleetClearanceScope);
    const fleet = await deps.fleets.findByClientId(clientId);
    if (!fleet) throw new Unauthorized('invalid_token');
    ctx.state.fleet = fleet;
    await next();
  };
}

export const fleetOf = (ctx: Context): Fleet => ctx.state.fleet as Fleet;
