// Clearances the maker never answered: past the configured deadline they become `error_time_out` (the
// clearance is overdue and must be requested again); the maker is asked to drop its side.
import { applyClearanceEvent, type RelayStore } from './apply-clearance-event.ts';

export async function sweepOverdueClearances(
  store: RelayStore,
  deadlineSeconds: number,
  now = Date.now(),
): Promise<number> {
  let timedOut = 0;
  for (;;) {
    const overdue = await store.clearances.overdueWaiting(now - deadlineSeconds * 1000);
    if (overdue.length === 0) return timedOut;
    for (const clearanceId of overdue) {
      const result = await applyClearanceEvent(store, {
        clearanceId,
        event: 'timed_out',
        cause: 'deadline_passed',
      });
      if (result.outcome === 'changed') timedOut++;
    }
    if (overdue.length < 100) return timedOut;
  }
}
