// Cancelling a clearance inside Keyturn (the owner revokes on the dashboard, or the app revokes its grant):
// in one transaction the clearance becomes `disconnected`, every token of the grant stops working, the app
// is told, and the maker is asked to revoke its side (an outbox job, retried until it succeeds).
import type Provider from 'oidc-provider';
import type { OemConnector } from '../oem/connector.ts';
import { inTransaction } from '../storage/transaction.ts';
import { type ApplyOutcome, applyClearanceEvent, type RelayStore } from './apply-clearance-event.ts';
import { PermanentJobFailure } from './worker.ts';

export async function cancelClearance(
  store: RelayStore,
  provider: Provider,
  clearanceId: string,
  cause: 'owner_revoked' | 'app_revoked',
): Promise<ApplyOutcome> {
  return inTransaction(store.knex, async () => {
    const result = await applyClearanceEvent(store, { clearanceId, event: 'cancelled', cause });
    if (result.outcome === 'changed') {
      const grant = await provider.Grant.find(result.clearance.grantId);
      await grant?.destroy();
      await provider.AccessToken.adapter.revokeByGrantId(result.clearance.grantId);
      await provider.RefreshToken.adapter.revokeByGrantId(result.clearance.grantId);
    }
    return result;
  });
}

/**
 * A grant the authorization server revoked (the app revoked one of its tokens, RFC 7009; or a code or
 * refresh token was used twice) ends its clearance in the same request and transaction: `disconnected`,
 * the app told, the maker asked to revoke. The library announces the revocation as an event; the grants
 * named during a request are ended once the request's own work is done.
 */
export function endClearancesOfRevokedGrants(store: RelayStore, provider: Provider): void {
  const revoked = new WeakMap<object, Set<string>>();
  provider.on('grant.revoked', (ctx: object, grantId: string) => {
    const grants = revoked.get(ctx) ?? new Set<string>();
    grants.add(grantId);
    revoked.set(ctx, grants);
  });
  provider.use(async function endClearancesOfRevokedGrants(ctx, next) {
    await next();
    for (const grantId of revoked.get(ctx) ?? []) {
      const clearance = await store.clearances.findByGrantId(grantId);
      if (clearance) await cancelClearance(store, provider, clearance.id, 'app_revoked');
    }
  });
}

export function oemRevokeHandler(deps: {
  store: RelayStore;
  connectorFor(provider: string): OemConnector | undefined;
}) {
  return async function revokeAtMaker(payload: Record<string, unknown>): Promise<void> {
    const clearance = await deps.store.clearances.find(String(payload.clearanceId));
    if (!clearance) throw new PermanentJobFailure('clearance no longer exists');
    // No reference: the request never reached the maker, or it is still under way; the request job,
    // once it holds the reference of a clearance that has ended meanwhile, asks for the revocation again.
    if (!clearance.oemReference) return;
    const connector = deps.connectorFor(clearance.provider);
    if (!connector) throw new PermanentJobFailure(`no connector configured for ${clearance.provider}`);
    await connector.revokeClearance(clearance.oemReference);
  };
}
