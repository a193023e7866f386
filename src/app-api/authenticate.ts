// Token authentication of the app management API (RFC 6750 Bearer, RFC 9449 DPoP for a bound token): an access token the app got with its client
// credentials (RFC 6749 §4.4) for the scope `management`. Anything else (no token, an owner's access token
// from the consent journey, a fleet's token, an expired or revoked one, a token of a client that is no app)
// → 401 `invalid_token`. Exported for every route an app calls with that token.
import type { Context, Next } from 'koa';
import {
  type ClientCredentialsBearerDependencies,
  clientOfBearer,
} from '../authorization-server/client-credentials-bearer.ts';
import { appManagementScope } from '../authorization-server/clients.ts';
import { Unauthorized } from '../errors.ts';
import type { App, AppsRepository } from '../storage/apps.ts';

export function authenticateApp(deps: ClientCredentialsBearerDependencies & { apps: AppsRepository }) {
  return async function authenticateApp(ctx: Context, next: Next) {
    const clientId = await clientOfBearer(ctx, deps, appManagementScope);
    const app = await deps.apps.find(clientId);
    if (!app) throw new Unauthorized('invalid_token');
    ctx.state.app = app;
    await next();
  };
}

/** The app the request's token belongs to (after authenticateApp). */
export const appOf = (ctx: Context): App => ctx.state.app as App;
