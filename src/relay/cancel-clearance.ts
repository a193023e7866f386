// Cancelling a clearance inside Keyturn (the owner revokes on the dashboard, or the app revokes its grant):
// in one transaction the clearance becomes `disconnected`, every token of the grant stops working, the app
// is told, and the maker is asked to revoke its side (an outbox job, retried until it succeeds).
import { type ApplyOutcome, applyClearanceEvent, type RelayStore } from './apply-clearance-event.ts';

export async function cancelClearance(
  store: RelayStore,
  clearanceId: string,
  cause: 'owner_revoked' | 'app_revoked' | 'account_deleted',
): Promise<ApplyOutcome> {
  return store.transactions.transaction(async () => {
    const result = await applyClearanceEvent(store, { clearanceId, event: 'cancelled', cause });
    if (result.outcome === 'changed' && result.clearance.grantId)
      await store.oidcPayloads.deleteGrant(result.clearance.grantId);
    return result;
  });
}
