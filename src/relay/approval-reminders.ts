// Reminders while an owner's clearance waits for the maker (`pending`, `pending_validation`): at each age of
// the wait in APPROVAL_REMINDERS, one mail asks the owner to approve in the maker's app or portal. The
// wait counts from its start (the consent, or the latest request again), and each reminder is recorded
// with its wait and queued through the outbox under a dedupe key, so every process may run the sweep and
// the owner still gets it once.
import type { Transactions } from '../db/index.ts';
import type { OutboxStore } from '../outbox/store.ts';
import type { ClearancesRepository } from '../storage/clearances.ts';

export const approvalReminderJob = 'approval_reminder';

const daySeconds = 86_400;
const batchSize = 100;

/**
 * Reads APPROVAL_REMINDERS: ages of the wait in days (decimals allowed), comma-separated, ascending, or
 * `none`. Returns the ages in seconds, or what is wrong with the value.
 */
export function parseReminderAges(value: string): { seconds: number[] } | { problem: string } {
  const text = value.trim();
  if (text.toLowerCase() === 'none') return { seconds: [] };
  const parts = text.split(',').map((part) => part.trim());
  const days: number[] = [];
  for (const part of parts) {
    const number = /^\d+(\.\d+)?$/.test(part) ? Number(part) : Number.NaN;
    if (!(number > 0))
      return { problem: `"${part}" is not a positive number of days (expected e.g. 2,7, or none)` };
    const previous = days.at(-1);
    if (previous !== undefined && number <= previous)
      return { problem: `the ages must be ascending, and ${part} does not come after ${previous}` };
    days.push(number);
  }
  return { seconds: days.map((age) => Math.round(age * daySeconds)) };
}

export interface ReminderStore {
  transactions: Transactions;
  clearances: ClearancesRepository;
  outbox: OutboxStore;
}

/**
 * Queues the reminders due at `now`; resolves to how many were queued. Latest age first: a wait that passed
 * several ages since the last sweep gets one mail, and the earlier ages count as reminded.
 */
export async function sweepApprovalReminders(
  store: ReminderStore,
  agesSeconds: readonly number[],
  now = Date.now(),
): Promise<number> {
  let queued = 0;
  for (const age of [...agesSeconds].sort((a, b) => b - a)) {
    for (;;) {
      const due = await store.clearances.dueForReminder(age, now - age * 1000, batchSize);
      for (const { id, waitingSince } of due) if (await remind(store, id, waitingSince, age, now)) queued++;
      if (due.length < batchSize) break;
    }
  }
  return queued;
}

async function remind(
  store: ReminderStore,
  clearanceId: string,
  waitingSince: number,
  ageSeconds: number,
  now: number,
): Promise<boolean> {
  return store.transactions.transaction(async () => {
    if (!(await store.clearances.recordReminder(clearanceId, waitingSince, ageSeconds, now))) return false;
    const job = await store.outbox.enqueue(
      approvalReminderJob,
      { clearanceId, waitingSince, ageSeconds, dueAt: now },
      { dedupeKey: `${approvalReminderJob}:${clearanceId}:${waitingSince}:${ageSeconds}` },
    );
    return job !== undefined;
  });
}
