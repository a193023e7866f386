// The clearance statuses (one vehicle × one app): the connectivity states a data provider reports for a
// tracker or vehicle, and what each means for the token's authorization status. Nothing else stores these
// facts twice.

export const clearanceStatuses = [
  'pending',
  'pending_validation',
  'wrong_tracker_id',
  'pending_for_data',
  'connected',
  'error_data',
  'error_capability',
  'error_rejected',
  'error_revoke',
  'error_time_out',
  'error_validating',
  'disconnected',
] as const;
export type ClearanceStatus = (typeof clearanceStatuses)[number];

export const authorizationStatuses = ['pending', 'approved', 'rejected', 'revoked', 'expired'] as const;
export type AuthorizationStatus = (typeof authorizationStatuses)[number];

const authorizationByClearance: Record<ClearanceStatus, AuthorizationStatus> = {
  pending: 'pending',
  pending_validation: 'pending',
  wrong_tracker_id: 'rejected',
  error_rejected: 'rejected',
  pending_for_data: 'approved',
  connected: 'approved',
  error_data: 'approved',
  error_capability: 'approved',
  error_revoke: 'revoked',
  disconnected: 'revoked',
  error_time_out: 'expired',
  // The maker could not be asked (it refused the request, or never answered it): ask again.
  error_validating: 'expired',
};

/**
 * Statuses no maker or sweep event can leave. A fleet registers its vehicle again; an owner whose
 * maker rejected or revoked access may consent again to a new request (`mayAskAgain`).
 */
export const terminalStatuses: readonly ClearanceStatus[] = [
  'error_rejected',
  'error_revoke',
  'disconnected',
];

/**
 * Errors only a new request to the maker can leave (`requested_again`): the VIN was unknown (once
 * corrected), the maker never answered in time, or it could not be asked at all.
 */
export const retryableStatuses: readonly ClearanceStatus[] = [
  'wrong_tracker_id',
  'error_time_out',
  'error_validating',
];

const knownStatuses: ReadonlySet<string> = new Set(clearanceStatuses);

export function isClearanceStatus(value: unknown): value is ClearanceStatus {
  return typeof value === 'string' && knownStatuses.has(value);
}

/** A status read from storage: a value the code does not know is a fault, never passed on. */
export function storedClearanceStatus(value: string, of: string): ClearanceStatus {
  if (!isClearanceStatus(value)) throw new Error(`${of} has an unknown status ${value}`);
  return value;
}

/**
 * The token's `authorization_status`, derived from the clearance (the vocabulary of the apps'
 * `authorization_changed` webhooks).
 */
export function authorizationStatus(status: ClearanceStatus): AuthorizationStatus {
  return authorizationByClearance[status];
}

/** Whether a data consumer may serve data: exactly the approved statuses (introspection `active:true`). */
export function mayDataFlow(status: ClearanceStatus): boolean {
  return authorizationByClearance[status] === 'approved';
}

export function isTerminal(status: ClearanceStatus): boolean {
  return terminalStatuses.includes(status);
}

export function isRetryable(status: ClearanceStatus): boolean {
  return retryableStatuses.includes(status);
}

/**
 * Whether the owner may ask the maker again for this clearance: after an error that a new request can
 * clear, or after the maker's rejection or revocation (the owner changed their mind). Access ended in
 * Keyturn (`disconnected`) ended the grant and its tokens: the app starts a new journey instead.
 */
export function mayAskAgain(status: ClearanceStatus): boolean {
  return isRetryable(status) || status === 'error_rejected' || status === 'error_revoke';
}

/** Whether the app has access now or may get it without anyone acting again (pending or approved). */
export function holdsAccess(status: ClearanceStatus): boolean {
  const authorization = authorizationByClearance[status];
  return authorization === 'pending' || authorization === 'approved';
}
