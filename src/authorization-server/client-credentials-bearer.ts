// The client behind a bearer token (RFC 6750) that a client got with its own credentials (RFC 6749 §4.4)
// for `scope`: the app management API's and the fleet API's authentication. No token, a malformed,
// unknown, expired or revoked one, an owner's access token, or one without the scope → 401 `invalid_token`.
import type { Context } from 'koa';
import type AuthorizationServer from 'oidc-provider';
import { Unauthorized } from '../errors.ts';
import { bearerToken } from './authorization-status.ts';

export async function clientOfBearer(
  ctx: Context,
  authorizationServer: AuthorizationServer,
  scope: string,
): Promise<string> {
  const value = bearerToken(ctx);
  const token = value ? await authorizationServer.ClientCredentials.find(value) : undefined;
  if (!token?.isValid || !token.clientId || !token.scope?.split(' ').includes(scope))
    throw new Unauthorized('invalid_token');
  return token.clientId;
}
