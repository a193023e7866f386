// An app disconnects one of its owners' clearances: the cancellation a revocation of its grant (RFC 7009)
// makes, so in one transaction the clearance becomes `disconnected`, the owner's grant and every token of
// it end, and the app's `authorization_changed` webhook and the revocation at the maker are queued.
// Disconnecting one already disconnected changes nothing; one that ended otherwise (rejected, revoked at
// the maker) cannot be disconnected and keeps its status.
import { Conflict } from '../errors.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import { cancelClearance } from '../relay/cancel-clearance.ts';
import type { Clearance } from '../storage/clearances.ts';

export async function disconnectClearance(relay: RelayStore, clearance: Clearance): Promise<void> {
  const result = await cancelClearance(relay, clearance.id, 'app_revoked');
  if (result.outcome !== 'refused') return;
  const ended = (await relay.clearances.find(clearance.id)) ?? clearance;
  throw new Conflict('disconnect_not_allowed', {
    messageKey: 'app_api:errors.disconnect_not_allowed',
    messageValues: { status: ended.status },
  });
}
