// The status categories a fleet sees its vehicles grouped by: connected, pending (registered, being
// validated, waiting for the first data), errors (every error, including an unknown tracker id) and
// disconnected. Each clearance status belongs to exactly one.
import { type ClearanceStatus, clearanceStatuses } from '../clearance/status.ts';

export const statusCategories = ['connected', 'pending', 'errors', 'disconnected'] as const;
export type StatusCategory = (typeof statusCategories)[number];

const categoryByStatus: Record<ClearanceStatus, StatusCategory> = {
  connected: 'connected',
  pending: 'pending',
  pending_validation: 'pending',
  pending_for_data: 'pending',
  wrong_tracker_id: 'errors',
  error_data: 'errors',
  error_capability: 'errors',
  error_rejected: 'errors',
  error_revoke: 'errors',
  error_time_out: 'errors',
  error_validating: 'errors',
  disconnected: 'disconnected',
};

export function statusCategory(status: ClearanceStatus): StatusCategory {
  return categoryByStatus[status];
}

export function statusesIn(category: StatusCategory): ClearanceStatus[] {
  return clearanceStatuses.filter((status) => categoryByStatus[status] === category);
}

export function isStatusCategory(value: unknown): value is StatusCategory {
  return typeof value === 'string' && (statusCategories as readonly string[]).includes(value);
}
