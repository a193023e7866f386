// When a change of status ends an owner's consent (the app held or awaited access and no longer does), the
// consent records say how it ended: the event and its cause name who ended it.
import type { ClearanceEvent } from '../domain/clearance/state-machine.ts';
import { type ClearanceStatus, holdsAccess } from '../domain/clearance/status.ts';
import type { WithdrawalOccasion } from '../storage/consent-records.ts';

const byEvent: Partial<Record<ClearanceEvent, WithdrawalOccasion>> = {
  owner_revoked_at_oem: 'revoked_at_maker',
  owner_rejected: 'rejected_at_maker',
  oem_unknown_vin: 'unknown_to_maker',
  request_failed: 'maker_unreachable',
  timed_out: 'expired',
};

const cancelledBy: Readonly<Record<string, WithdrawalOccasion>> = {
  owner_revoked: 'revoked_in_keyturn',
  app_revoked: 'revoked_by_app',
  account_deleted: 'account_deleted',
};

/** Who ended a clearance cancelled in Keyturn, by the cause the cancellation was recorded with. */
export function cancellationOccasion(cause: string): WithdrawalOccasion {
  return Object.hasOwn(cancelledBy, cause)
    ? (cancelledBy[cause] as WithdrawalOccasion)
    : 'revoked_in_keyturn';
}

/** How the consent ended, when moving `from` → `to` ends it; undefined when it does not. */
export function consentEnding(
  from: ClearanceStatus,
  to: ClearanceStatus,
  event: ClearanceEvent,
  cause: string,
): WithdrawalOccasion | undefined {
  if (!holdsAccess(from) || holdsAccess(to)) return undefined;
  if (event === 'cancelled') return cancellationOccasion(cause);
  return byEvent[event] ?? 'revoked_in_keyturn';
}
