// Which scopes each way of getting a token may carry. Client credentials (RFC 6749 §4.4) give a client
// exactly the one scope of its kind, a fleet `fleet:clearance` and an app `management`: a request for
// another scope, one more, or none at all is refused with `invalid_scope` (§5.2). An owner's consent at the
// authorization endpoint never asks for `management`: it grants data points.
import { errors } from 'oidc-provider';
import { appManagementScope, type ClientRole, clientCredentialsScopes, clientProperty } from './clients.ts';

interface TokenBeingIssued {
  kind: string;
  scope?: string;
  client?: { metadata(): Record<string, unknown> };
}

/**
 * Refuses a client credentials token that would carry anything but its client's one scope. Called as the
 * token is saved, before anything is stored.
 */
export function refuseOtherClientCredentialsScopes(token: TokenBeingIssued): void {
  if (token.kind !== 'ClientCredentials') return;
  const allowed = clientCredentialsScopes[clientProperty(token.client, 'keyturn_role') as ClientRole];
  if (allowed === undefined || token.scope !== allowed)
    throw new errors.InvalidScope(
      `client credentials grant this client exactly the scope ${allowed}`,
      token.scope ?? '',
    );
}

/** The authorization endpoint's `scope`: the management scope is for client credentials only. */
export async function refuseManagementScopeInConsent(_ctx: unknown, value: unknown): Promise<void> {
  if (typeof value === 'string' && value.split(' ').includes(appManagementScope))
    throw new errors.InvalidScope('requested scope is not allowed', appManagementScope);
}
