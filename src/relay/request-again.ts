// Asking the maker again after a retryable error (the maker could not be asked, or never answered in time):
// the clearance goes back to `pending` (the app is told) and a new request is queued, in one transaction.
import { type ApplyOutcome, applyClearanceEvent, type RelayStore } from './apply-clearance-event.ts';
import { enqueueClearanceRequest } from './request-clearance.ts';

export function requestAgain(
  store: RelayStore,
  clearanceId: string,
  cause: 'owner_requested_again',
): Promise<ApplyOutcome> {
  return store.transactions.transaction(async () => {
    const applied = await applyClearanceEvent(store, { clearanceId, event: 'requested_again', cause });
    if (applied.outcome === 'changed')
      await enqueueClearanceRequest(store, applied.clearance, `again:${applied.transitionId}`);
    return applied;
  });
}
