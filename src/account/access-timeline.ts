// The owner's access history of one clearance, as plain events, newest first: the consents and their endings
// from the consent records, every other change of status from the clearance's audit trail, and one entry per
// month of vehicle events forwarded to the app. A change both sources describe appears once, in the consent
// record's words (it names the receipt). Pure: the page loads the sources and words the entries.
import { type ClearanceStatus, holdsAccess } from '../domain/clearance/status.ts';
import { cancellationOccasion } from '../relay/consent-ending.ts';
import { type WithdrawalOccasion, withdrawalOccasions } from '../storage/consent-records.ts';

/** What an entry says: a key under `access_history:entry` (endings are named as the consent records name them). */
export type TimelineMessage =
  | 'allowed'
  | 'consent_journey'
  | 'consent_request_again'
  | 'asked_again'
  | 'asked_maker'
  | 'approved'
  | 'first_data'
  | 'no_data'
  | 'data_again'
  | 'capability_missing'
  | 'capability_restored'
  | 'forwarded'
  | WithdrawalOccasion;

/** One move of the audit trail (`from` is null for the clearance's creation). */
export interface TimelineTransition {
  from: ClearanceStatus | null;
  to: ClearanceStatus;
  cause: string;
  at: number;
}

/** One consent record of the clearance. */
export interface TimelineRecord {
  id: number;
  kind: 'consent' | 'withdrawal';
  occasion: string;
  appName: string;
  dataPoints: string[];
  at: number;
}

/** The vehicle events forwarded in one month (`YYYY-MM`), and when the last of them was received. */
export interface TimelineMonth {
  month: string;
  events: number;
  lastReceivedAt: number;
}

export interface TimelineEntry {
  at: number;
  message: TimelineMessage;
  /** The consent record behind the entry: its number is the receipt's, its app name the one the owner saw. */
  record?: { id: number; appName: string; dataPoints: string[] };
  /** For `forwarded`: the month and its count. */
  month?: string;
  events?: number;
}

/** What the owner reads for one move of the audit trail. */
export function transitionMessage(
  from: ClearanceStatus | null,
  to: ClearanceStatus,
  cause: string,
): TimelineMessage {
  if (from === null) return 'allowed';
  switch (to) {
    case 'pending':
      return 'asked_again';
    case 'pending_validation':
      return 'asked_maker';
    case 'pending_for_data':
      return 'approved';
    case 'connected':
      if (from === 'error_data') return 'data_again';
      return from === 'error_capability' ? 'capability_restored' : 'first_data';
    case 'error_data':
      return 'no_data';
    case 'error_capability':
      return 'capability_missing';
    case 'wrong_tracker_id':
      return 'unknown_to_maker';
    case 'error_time_out':
      return 'expired';
    case 'error_validating':
      return 'maker_unreachable';
    case 'error_rejected':
      return 'rejected_at_maker';
    case 'error_revoke':
      return 'revoked_at_maker';
    case 'disconnected':
      return cancellationOccasion(cause);
  }
}

/** What the owner reads for a consent record. */
export function recordMessage(record: Pick<TimelineRecord, 'kind' | 'occasion'>): TimelineMessage {
  if (record.kind === 'consent')
    return record.occasion === 'request_again' ? 'consent_request_again' : 'consent_journey';
  return (withdrawalOccasions as readonly string[]).includes(record.occasion)
    ? (record.occasion as WithdrawalOccasion)
    : 'revoked_in_keyturn';
}

/** A move the consent records describe too: a consent (the creation, or a request again) or its ending. */
function describedBy(move: TimelineTransition): TimelineRecord['kind'] | undefined {
  if (move.from === null || move.to === 'pending') return 'consent';
  if (holdsAccess(move.from) && !holdsAccess(move.to)) return 'withdrawal';
  return undefined;
}

/**
 * Pairs each record with the move it describes, counting from the newest of each kind: a record is written
 * with its move, so the newest records belong to the newest moves (moves from before records were kept
 * have none). Answers, per move index, the record that describes it.
 */
function pairRecords(moves: TimelineTransition[], records: TimelineRecord[]): Map<number, TimelineRecord> {
  const paired = new Map<number, TimelineRecord>();
  for (const kind of ['consent', 'withdrawal'] as const) {
    const described = moves.flatMap((move, index) => (describedBy(move) === kind ? [index] : []));
    const own = records.filter((record) => record.kind === kind);
    for (let back = 1; back <= Math.min(described.length, own.length); back++)
      paired.set(described[described.length - back] as number, own[own.length - back] as TimelineRecord);
  }
  return paired;
}

/**
 * The timeline, newest first. `moves` and `records` come oldest first (as stored); entries at the same
 * instant keep that order, reversed.
 */
export function accessTimeline(sources: {
  moves: TimelineTransition[];
  records: TimelineRecord[];
  months: TimelineMonth[];
}): TimelineEntry[] {
  const paired = pairRecords(sources.moves, sources.records);
  const used = new Set(paired.values());
  const entries: TimelineEntry[] = sources.moves.map((move, index) => {
    const record = paired.get(index);
    return record
      ? { at: move.at, message: recordMessage(record), record: recordFacts(record) }
      : { at: move.at, message: transitionMessage(move.from, move.to, move.cause) };
  });
  for (const record of sources.records)
    if (!used.has(record))
      entries.push({ at: record.at, message: recordMessage(record), record: recordFacts(record) });
  for (const month of sources.months)
    entries.push({
      at: month.lastReceivedAt,
      message: 'forwarded',
      month: month.month,
      events: month.events,
    });
  // A stable sort: entries at the same instant keep the order they were added in before the reversal.
  return entries
    .map((entry, order) => ({ entry, order }))
    .sort((a, b) => b.entry.at - a.entry.at || b.order - a.order)
    .map(({ entry }) => entry);
}

const recordFacts = (record: TimelineRecord) => ({
  id: record.id,
  appName: record.appName,
  dataPoints: record.dataPoints,
});
