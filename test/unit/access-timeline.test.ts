import { describe, expect, it } from 'vitest';
import {
  accessTimeline,
  recordMessage,
  type TimelineMessage,
  type TimelineRecord,
  type TimelineTransition,
  transitionMessage,
} from '../../src/account/access-timeline.ts';
import { clearanceEvents, transition } from '../../src/domain/clearance/state-machine.ts';
import { type ClearanceStatus, clearanceStatuses } from '../../src/domain/clearance/status.ts';
import { withdrawalOccasions } from '../../src/storage/consent-records.ts';
import { message } from '../support/locales.ts';

// Written out by hand: what an owner reads when the clearance moves to each status (from the status named,
// where the message depends on it).
const expected: Record<ClearanceStatus, (from: ClearanceStatus) => TimelineMessage> = {
  pending: () => 'asked_again',
  pending_validation: () => 'asked_maker',
  pending_for_data: () => 'approved',
  connected: (from) =>
    from === 'error_data' ? 'data_again' : from === 'error_capability' ? 'capability_restored' : 'first_data',
  error_data: () => 'no_data',
  error_capability: () => 'capability_missing',
  wrong_tracker_id: () => 'unknown_to_maker',
  error_time_out: () => 'expired',
  error_validating: () => 'maker_unreachable',
  error_rejected: () => 'rejected_at_maker',
  error_revoke: () => 'revoked_at_maker',
  disconnected: () => 'revoked_in_keyturn',
};

/** Every move the state machine makes (redeliveries that change nothing are not recorded, so not here). */
const moves = clearanceStatuses.flatMap((from) =>
  clearanceEvents.flatMap((event) => {
    const result = transition(from, event);
    return result.ok && result.changed ? [{ from, event, to: result.to }] : [];
  }),
);

/** The locale keys a message is worded by (`forwarded` has a singular and a plural). */
const keysOf = (key: TimelineMessage) =>
  key === 'forwarded' ? ['entry.forwarded_one', 'entry.forwarded_other'] : [`entry.${key}`];

const move = (
  from: ClearanceStatus | null,
  to: ClearanceStatus,
  at: number,
  cause = 'test',
): TimelineTransition => ({ from, to, at, cause });

const record = (id: number, kind: TimelineRecord['kind'], occasion: string, at: number): TimelineRecord => ({
  id,
  kind,
  occasion,
  at,
  appName: 'Service X',
  dataPoints: ['location'],
});

describe('access timeline', () => {
  it('transitionMessage › covers every status the state machine moves to', () => {
    const targets = new Set(moves.map((m) => m.to));
    expect([...targets].sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(moves)('transitionMessage › $from --$event--> $to', ({ from, to }) => {
    expect(transitionMessage(from, to, 'test')).toBe(expected[to](from));
  });

  it('transitionMessage › the creation of a clearance is the owner allowing the app', () => {
    expect(transitionMessage(null, 'pending', 'consent_given')).toBe('allowed');
  });

  it.each([
    ['owner_revoked', 'revoked_in_keyturn'],
    ['app_revoked', 'revoked_by_app'],
    ['account_deleted', 'account_deleted'],
    ['toString', 'revoked_in_keyturn'],
  ] as const)('transitionMessage › a cancellation caused by %s reads %s', (cause, wording) => {
    expect(transitionMessage('connected', 'disconnected', cause)).toBe(wording);
  });

  it('recordMessage › names consents by occasion and endings as the records name them', () => {
    expect(recordMessage({ kind: 'consent', occasion: 'journey' })).toBe('consent_journey');
    expect(recordMessage({ kind: 'consent', occasion: 'request_again' })).toBe('consent_request_again');
    for (const occasion of withdrawalOccasions)
      expect(recordMessage({ kind: 'withdrawal', occasion })).toBe(occasion);
    expect(recordMessage({ kind: 'withdrawal', occasion: 'something_new' })).toBe('revoked_in_keyturn');
  });

  it.each(['en', 'de'] as const)('every message an entry can carry is worded in %s', (locale) => {
    const messages = new Set<TimelineMessage>([
      ...moves.map((m) => transitionMessage(m.from, m.to, 'test')),
      ...withdrawalOccasions.map((occasion) => recordMessage({ kind: 'withdrawal', occasion })),
      'allowed',
      'consent_journey',
      'consent_request_again',
      'forwarded',
    ]);
    for (const key of messages)
      for (const path of keysOf(key))
        expect(message(locale, `access_history:${path}`).length, `${locale} ${path}`).toBeGreaterThan(0);
  });

  it('accessTimeline › newest first; a consent and its ending appear once, in the consent record’s words', () => {
    const entries = accessTimeline({
      moves: [
        move(null, 'pending', 1_000, 'consent_given'),
        move('pending', 'pending_validation', 2_000, 'oem_accepted'),
        move('pending_validation', 'pending_for_data', 3_000, 'oem_approved'),
        move('pending_for_data', 'connected', 4_000, 'oem_first_position'),
        move('connected', 'disconnected', 9_000, 'owner_revoked'),
      ],
      records: [record(7, 'consent', 'journey', 1_001), record(8, 'withdrawal', 'revoked_in_keyturn', 9_001)],
      months: [{ month: '2026-11', events: 2, lastReceivedAt: 5_000 }],
    });
    expect(entries.map((entry) => entry.message)).toEqual([
      'revoked_in_keyturn',
      'forwarded',
      'first_data',
      'approved',
      'asked_maker',
      'consent_journey',
    ]);
    expect(entries.at(-1)?.record?.id).toBe(7);
    expect(entries[0]?.record?.id).toBe(8);
    expect(entries[1]).toMatchObject({ month: '2026-11', events: 2, at: 5_000 });
  });

  it('accessTimeline › a request again pairs with its consent record; the maker’s rejection before it with its withdrawal', () => {
    const entries = accessTimeline({
      moves: [
        move(null, 'pending', 1_000),
        move('pending', 'pending_validation', 2_000),
        move('pending_validation', 'error_rejected', 3_000),
        move('error_rejected', 'pending', 4_000, 'owner_requested_again'),
      ],
      records: [
        record(1, 'consent', 'journey', 1_000),
        record(2, 'withdrawal', 'rejected_at_maker', 3_000),
        record(3, 'consent', 'request_again', 4_000),
      ],
      months: [],
    });
    expect(entries.map((entry) => [entry.message, entry.record?.id])).toEqual([
      ['consent_request_again', 3],
      ['rejected_at_maker', 2],
      ['asked_maker', undefined],
      ['consent_journey', 1],
    ]);
  });

  it('accessTimeline › moves from before consent records were kept read in the audit trail’s words', () => {
    const entries = accessTimeline({
      moves: [
        move(null, 'pending', 1_000),
        move('pending', 'error_validating', 2_000),
        move('error_validating', 'pending', 3_000, 'owner_requested_again'),
      ],
      records: [record(5, 'consent', 'request_again', 3_000)],
      months: [],
    });
    expect(entries.map((entry) => entry.message)).toEqual([
      'consent_request_again',
      'maker_unreachable',
      'allowed',
    ]);
  });

  it('accessTimeline › an error that never held access is no ending of a consent: its own words, even with records', () => {
    const entries = accessTimeline({
      moves: [
        move(null, 'pending', 1_000),
        move('pending', 'wrong_tracker_id', 2_000),
        move('wrong_tracker_id', 'disconnected', 3_000, 'owner_revoked'),
      ],
      records: [record(1, 'consent', 'journey', 1_000), record(2, 'withdrawal', 'unknown_to_maker', 2_000)],
      months: [],
    });
    expect(entries.map((entry) => [entry.message, entry.record?.id])).toEqual([
      ['revoked_in_keyturn', undefined],
      ['unknown_to_maker', 2],
      ['consent_journey', 1],
    ]);
  });
});
