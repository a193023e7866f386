// The one clearance state machine: current status + event → next status, or a typed refusal. Pure: callers
// load, apply and persist.
import type { ClearanceStatus } from './status.ts';

export const clearanceEvents = [
  'oem_accepted', // the OEM took the clearance request; the owner now decides in the OEM portal
  'oem_unknown_vin', // the OEM does not know this VIN
  'owner_approved', // the owner approved in the OEM portal
  'owner_rejected', // the owner rejected in the OEM portal
  'owner_revoked_at_oem', // the owner withdrew access in the OEM portal
  'data_received', // vehicle data arrived (the first position, or data again after a gap)
  'data_missing', // no data, or incorrect telemetry
  'capability_missing', // a capability the clearance needs is switched off in the vehicle
  'capability_restored', // that capability is on again
  'cancelled', // the app or the owner revoked in Keyturn
  'timed_out', // the clearance is overdue and must be requested again
  'request_failed', // the maker refused the clearance request, or never took it after every retry
  'requested_again', // the owner asks the maker anew after an error, a rejection or a revocation at the maker
  'validation_requested', // a fleet asked for its registered vehicle to be validated with the provider
] as const;
export type ClearanceEvent = (typeof clearanceEvents)[number];

/**
 * Every allowed move; anything not listed is refused. An entry whose target is its own source is an
 * accepted redelivery (webhooks and callbacks arrive at least once) and reports `changed: false`:
 * - a terminal status accepts only a repeat of the very event that ended it, so no maker
 *   event, in particular no late approval, ever revives it; only the owner can, by consenting
 *   again in Keyturn to a new request (`requested_again`) after the maker's rejection or
 *   revocation (a cancellation in Keyturn ended the grant itself, so nothing revives it);
 * - a retryable error is left only by a new request (`requested_again`, or a fleet's
 *   `validation_requested`) or a cancellation;
 * - `owner_approved` while already approved keeps the current status, so a late duplicate
 *   approval does not push `connected` back to `pending_for_data`;
 * - `data_received` during `error_capability` keeps the capability error: data flowing
 *   does not prove the missing capability is back (`capability_restored` does).
 * Revocation at the OEM is accepted before approval too: if "revoked" overtakes "approved",
 * the clearance ends revoked and the late approval is refused.
 */
const moves: Record<ClearanceEvent, Partial<Record<ClearanceStatus, ClearanceStatus>>> = {
  oem_accepted: {
    pending: 'pending_validation',
    pending_validation: 'pending_validation',
  },
  oem_unknown_vin: {
    pending: 'wrong_tracker_id',
    pending_validation: 'wrong_tracker_id',
    wrong_tracker_id: 'wrong_tracker_id',
  },
  request_failed: {
    pending: 'error_validating',
    pending_validation: 'error_validating',
    error_validating: 'error_validating',
  },
  requested_again: {
    wrong_tracker_id: 'pending',
    error_time_out: 'pending',
    error_validating: 'pending',
    error_rejected: 'pending',
    error_revoke: 'pending',
  },
  validation_requested: {
    pending: 'pending_validation',
    pending_validation: 'pending_validation',
    wrong_tracker_id: 'pending_validation',
    error_time_out: 'pending_validation',
    error_validating: 'pending_validation',
  },
  owner_approved: {
    pending: 'pending_for_data',
    pending_validation: 'pending_for_data',
    pending_for_data: 'pending_for_data',
    connected: 'connected',
    error_data: 'error_data',
    error_capability: 'error_capability',
  },
  owner_rejected: {
    pending: 'error_rejected',
    pending_validation: 'error_rejected',
    error_rejected: 'error_rejected',
  },
  owner_revoked_at_oem: {
    pending: 'error_revoke',
    pending_validation: 'error_revoke',
    pending_for_data: 'error_revoke',
    connected: 'error_revoke',
    error_data: 'error_revoke',
    error_capability: 'error_revoke',
    error_revoke: 'error_revoke',
  },
  data_received: {
    pending_for_data: 'connected',
    connected: 'connected',
    error_data: 'connected',
    error_capability: 'error_capability',
  },
  data_missing: {
    pending_for_data: 'error_data',
    connected: 'error_data',
    error_data: 'error_data',
  },
  capability_missing: {
    pending_for_data: 'error_capability',
    connected: 'error_capability',
    error_data: 'error_capability',
    error_capability: 'error_capability',
  },
  capability_restored: {
    error_capability: 'connected',
  },
  cancelled: {
    pending: 'disconnected',
    pending_validation: 'disconnected',
    pending_for_data: 'disconnected',
    connected: 'disconnected',
    error_data: 'disconnected',
    error_capability: 'disconnected',
    wrong_tracker_id: 'disconnected',
    error_time_out: 'disconnected',
    error_validating: 'disconnected',
    disconnected: 'disconnected',
  },
  timed_out: {
    pending: 'error_time_out',
    pending_validation: 'error_time_out',
    error_time_out: 'error_time_out',
  },
};

/**
 * Events after which no data may flow. Arriving out of order never makes them stale: the machine already
 * refuses whatever would undo them, so applying them late is always safe, and dropping one would keep
 * access open that the owner or the maker ended.
 */
export const accessEndingEvents: ReadonlySet<ClearanceEvent> = new Set([
  'oem_unknown_vin',
  'owner_rejected',
  'owner_revoked_at_oem',
  'cancelled',
  'timed_out',
  'request_failed',
]);

/** Events by which Keyturn itself ends a clearance: the maker must be told (its side may be live). */
export const keyturnEndingEvents: ReadonlySet<ClearanceEvent> = new Set(['cancelled', 'timed_out']);

export interface TransitionRefusal {
  readonly code: 'transition_refused';
  readonly from: ClearanceStatus;
  readonly event: ClearanceEvent;
}

export type TransitionResult =
  | { ok: true; to: ClearanceStatus; changed: boolean }
  | { ok: false; refusal: TransitionRefusal };

export function transition(from: ClearanceStatus, event: ClearanceEvent): TransitionResult {
  const to = moves[event][from];
  if (to === undefined) return { ok: false, refusal: { code: 'transition_refused', from, event } };
  return { ok: true, to, changed: to !== from };
}

/** The `data.status` values of the inbound OEM callback (`authorization_changed`). */
export const oemCallbackStatuses = ['approved', 'rejected', 'revoked', 'unknown_vin'] as const;
export type OemCallbackStatus = (typeof oemCallbackStatuses)[number];

const eventByOemStatus: Record<OemCallbackStatus, ClearanceEvent> = {
  approved: 'owner_approved',
  rejected: 'owner_rejected',
  revoked: 'owner_revoked_at_oem',
  // An OEM may accept a request and only later find that no customer owns the VIN.
  unknown_vin: 'oem_unknown_vin',
};

/** The event an OEM callback status stands for; undefined for anything outside the contract. */
export function eventForOemStatus(status: string): ClearanceEvent | undefined {
  return Object.hasOwn(eventByOemStatus, status) ? eventByOemStatus[status as OemCallbackStatus] : undefined;
}
