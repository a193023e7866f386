import { describe, expect, it } from 'vitest';
import {
  type ClearanceEvent,
  clearanceEvents,
  eventForOemStatus,
  transition,
} from '../../src/domain/clearance/state-machine.ts';
import { type ClearanceStatus, clearanceStatuses } from '../../src/domain/clearance/status.ts';

// Written out by hand from the connectivity states and their rules: every move not listed is refused.
const allowed: Record<ClearanceStatus, Partial<Record<ClearanceEvent, ClearanceStatus>>> = {
  pending: {
    oem_accepted: 'pending_validation',
    oem_unknown_vin: 'wrong_tracker_id',
    owner_approved: 'pending_for_data',
    owner_rejected: 'error_rejected',
    owner_revoked_at_oem: 'error_revoke',
    cancelled: 'disconnected',
    timed_out: 'error_time_out',
    request_failed: 'error_validating',
    validation_requested: 'pending_validation',
  },
  pending_validation: {
    oem_accepted: 'pending_validation',
    validation_requested: 'pending_validation',
    request_failed: 'error_validating',
    oem_unknown_vin: 'wrong_tracker_id',
    owner_approved: 'pending_for_data',
    owner_rejected: 'error_rejected',
    owner_revoked_at_oem: 'error_revoke',
    cancelled: 'disconnected',
    timed_out: 'error_time_out',
  },
  pending_for_data: {
    owner_approved: 'pending_for_data',
    owner_revoked_at_oem: 'error_revoke',
    data_received: 'connected',
    data_missing: 'error_data',
    capability_missing: 'error_capability',
    cancelled: 'disconnected',
  },
  connected: {
    owner_approved: 'connected',
    owner_revoked_at_oem: 'error_revoke',
    data_received: 'connected',
    data_missing: 'error_data',
    capability_missing: 'error_capability',
    cancelled: 'disconnected',
  },
  error_data: {
    owner_approved: 'error_data',
    owner_revoked_at_oem: 'error_revoke',
    data_received: 'connected',
    data_missing: 'error_data',
    capability_missing: 'error_capability',
    cancelled: 'disconnected',
  },
  error_capability: {
    owner_approved: 'error_capability',
    owner_revoked_at_oem: 'error_revoke',
    data_received: 'error_capability',
    capability_missing: 'error_capability',
    capability_restored: 'connected',
    cancelled: 'disconnected',
  },
  // Retryable: left only by a new request (an owner's, or a fleet's validation) or a cancellation; a
  // redelivery is answered, unchanged.
  wrong_tracker_id: {
    oem_unknown_vin: 'wrong_tracker_id',
    requested_again: 'pending',
    validation_requested: 'pending_validation',
    cancelled: 'disconnected',
  },
  error_time_out: {
    timed_out: 'error_time_out',
    requested_again: 'pending',
    validation_requested: 'pending_validation',
    cancelled: 'disconnected',
  },
  error_validating: {
    request_failed: 'error_validating',
    requested_again: 'pending',
    validation_requested: 'pending_validation',
    cancelled: 'disconnected',
  },
  // Terminal for the maker: only a redelivery of the event that ended the clearance is answered,
  // unchanged; the owner may consent again to a new request.
  error_rejected: { owner_rejected: 'error_rejected', requested_again: 'pending' },
  error_revoke: { owner_revoked_at_oem: 'error_revoke', requested_again: 'pending' },
  disconnected: { cancelled: 'disconnected' },
};

const pairs = clearanceStatuses.flatMap((from) => clearanceEvents.map((event) => ({ from, event })));
const moves = pairs.flatMap(({ from, event }) => {
  const to = allowed[from][event];
  return to === undefined || to === from ? [] : [[from, to, event] as const];
});
const redeliveries = pairs
  .filter(({ from, event }) => allowed[from][event] === from)
  .map(({ from, event }) => [event, from] as const);
const refusals = pairs
  .filter(({ from, event }) => allowed[from][event] === undefined)
  .map(({ from, event }) => [event, from] as const);

describe('transition', () => {
  it('covers every status × event pair in the expected table', () => {
    expect(pairs).toHaveLength(clearanceStatuses.length * clearanceEvents.length);
    expect(moves.length + redeliveries.length + refusals.length).toBe(pairs.length);
  });

  it.each(moves)('moves %s to %s on %s', (from, to, event) => {
    expect(transition(from, event)).toEqual({ ok: true, to, changed: true });
  });

  it.each(redeliveries)('accepts %s on %s as a redelivery that changes nothing', (event, from) => {
    expect(transition(from, event)).toEqual({ ok: true, to: from, changed: false });
  });

  it.each(refusals)('refuses %s after %s', (event, from) => {
    expect(transition(from, event)).toEqual({
      ok: false,
      refusal: { code: 'transition_refused', from, event },
    });
  });

  it('never revives a clearance revoked at the OEM with a late approval', () => {
    const revoked = transition('pending_validation', 'owner_revoked_at_oem');
    expect(revoked).toEqual({ ok: true, to: 'error_revoke', changed: true });
    expect(transition('error_revoke', 'owner_approved').ok).toBe(false);
  });

  it('keeps data flowing when a duplicate approval arrives after the first data', () => {
    expect(transition('connected', 'owner_approved')).toEqual({ ok: true, to: 'connected', changed: false });
  });
});

describe('eventForOemStatus', () => {
  it.each([
    ['approved', 'owner_approved'],
    ['rejected', 'owner_rejected'],
    ['revoked', 'owner_revoked_at_oem'],
    ['unknown_vin', 'oem_unknown_vin'],
  ] as const)('maps the callback status %s to %s', (status, event) => {
    expect(eventForOemStatus(status)).toBe(event);
  });

  it.each(['', 'APPROVED', 'pending', 'active', 'toString', 'constructor', '__proto__'])(
    'knows no event for the callback status %j',
    (status) => {
      expect(eventForOemStatus(status)).toBeUndefined();
    },
  );
});
