// A grant the authorization server revoked (the app revoked one of its tokens, RFC 7009; or a code or
// refresh token was used twice) ends its clearance in the same request and transaction. The library
// announces the revocation as an event; the grants named during a request are ended once the request's own
// work is done.
import type AuthorizationServer from 'oidc-provider';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import { cancelClearance } from '../relay/cancel-clearance.ts';

export function endClearancesOfRevokedGrants(
  store: RelayStore,
  authorizationServer: AuthorizationServer,
): void {
  const revoked = new WeakMap<object, Set<string>>();
  authorizationServer.on('grant.revoked', (ctx: object, grantId: string) => {
    const grants = revoked.get(ctx) ?? new Set<string>();
    grants.add(grantId);
    revoked.set(ctx, grants);
  });
  authorizationServer.use(async function endClearancesOfRevokedGrants(ctx, next) {
    await next();
    for (const grantId of revoked.get(ctx) ?? []) {
      const clearance = await store.clearances.findByGrantId(grantId);
      if (clearance) await cancelClearance(store, clearance.id, 'app_revoked');
    }
  });
}
