import { describe, expect, it } from 'vitest';
import {
  authorizationStatus,
  clearanceStatuses,
  isClearanceStatus,
  isTerminal,
  mayDataFlow,
} from '../../src/domain/clearance/status.ts';

// DESIGN.md "One state machine": clearance status → authorization_status, introspection active?, terminal?
const table = [
  ['pending', 'pending', false, false],
  ['pending_validation', 'pending', false, false],
  ['wrong_tracker_id', 'rejected', false, true],
  ['error_rejected', 'rejected', false, true],
  ['pending_for_data', 'approved', true, false],
  ['connected', 'approved', true, false],
  ['error_data', 'approved', true, false],
  ['error_capability', 'approved', true, false],
  ['error_revoke', 'revoked', false, true],
  ['disconnected', 'revoked', false, true],
  ['error_time_out', 'expired', false, true],
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

  it.each([undefined, 42, '', 'CONNECTED', 'approved', 'error_validating'])(
    'isClearanceStatus › refuses %j',
    (value) => {
      expect(isClearanceStatus(value)).toBe(false);
    },
  );
});
