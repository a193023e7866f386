// The client behind an access token that a client got with its own credentials (RFC 6749 §4.4) for
// `scope`: the app management API's and the fleet API's authentication. Sent as `Bearer` (RFC 6750), or,
// when the token is bound to a key, as `DPoP` with a proof of that key (RFC 9449 §7.1). No token, a
// malformed, unknown, expired or revoked one, an owner's access token, one without the scope, or a bound
// one without a valid proof → 401 `invalid_token` (or `invalid_dpop_proof`).
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { Unauthorized } from '../errors.ts';
import { checkTokenBinding, presentedToken } from './dpop-resource.ts';

export interface ClientCredentialsBearerDependencies {
  authorizationServer: AuthorizationServer;
  /** The origin DPoP proofs name in `htu`. */
  issuer: string;
}

export async function clientOfBearer(
  ctx: Context,
  deps: ClientCredentialsBearerDependencies,
  scope: string,
): Promise<string> {
  const presented = presentedToken(ctx);
  const token = presented
    ? await deps.authorizationServer.ClientCredentials.find(presented.value)
    : undefined;
  if (!presented || !token?.isValid || !token.clientId || !token.scope?.split(' ').includes(scope))
    throw new Unauthorized('invalid_token');
  await checkTokenBinding(ctx, deps, presented, token.jkt);
  return token.clientId;
}
