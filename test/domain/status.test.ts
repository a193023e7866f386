import { describe, expect, it } from 'vitest';
import {
  authorizationStatus,
  clearanceStatuses,
  holdsAccess,
  isClearanceStatus,
  isRetryable,
  isTerminal,
  mayDataFlow,
} from '../../src/domain/clearance/status.ts';

// Clearance status → authorization_status, introspection active?, terminal?, retryable?
const table = [
  ['pending', 'pending', false, false, false],
  ['pending_validation', 'pending', false, false, false],
  ['wrong_tracker_id', 'rejected', false, false, true],
  ['error_rejected', 'rejected', false, true, false],
  ['pending_for_data', 'approved', true, false, false],
  ['connected', 'approved', true, false, false],
  ['error_data', 'approved', true, false, false],
  ['error_capability', 'approved', true, false, false],
  ['error_revoke', 'revoked', false, true, false],
  ['disconnected', 'revoked', false, true, false],
  ['error_time_out', 'expired', false, false, true],
  ['error_validating', 'expired', false, false, true],
] as const;

describe('clearance status', () => {
  it('lists every status of the table exactly once', () => {
    expect([...clearanceStatuses].sort()).toEqual(table.map(([status]) => status).sort());
  });

  it.each(table)('maps %s to authorization status %s', (status, authorization) => {
    expect(authorizationStatus(status)).toBe(authorization);
  });

  it.each(table.map(([status, , flows]) => [status, flows] as const))(
    'mayDataFlow › %s is %s',
    (status, flows) => {
      expect(mayDataFlow(status)).toBe(flows);
    },
  );

  it.each(table.map(([status, , , terminal]) => [status, terminal] as const))(
    'isTerminal › %s is %s',
    (status, terminal) => {
      expect(isTerminal(status)).toBe(terminal);
    },
  );

  it.each(table.map(([status, , , , retryable]) => [status, retryable] as const))(
    'isRetryable › %s is %s',
    (status, retryable) => {
      expect(isRetryable(status)).toBe(retryable);
    },
  );

  it.each(
    table.map(
      ([status, authorization]) =>
        [status, authorization === 'pending' || authorization === 'approved'] as const,
    ),
  )('holdsAccess › %s is %s', (status, holds) => {
    expect(holdsAccess(status)).toBe(holds);
  });

  it.each([undefined, 42, '', 'CONNECTED', 'approved', 'error'])(
    'isClearanceStatus › refuses %j',
    (value) => {
      expect(isClearanceStatus(value)).toBe(false);
    },
  );
});
