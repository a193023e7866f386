// After the load: waits until the system has nothing left to do — no outbox job unfinished (due, retrying
// or leased), no callback the simulated maker still has to deliver, no owner decision still to come — and
// that stays so for a few seconds, or until the timeout.

import { openDatabase } from '../../src/db/index.ts';
import type { RunningOemSimulator } from '../../src/dev-tools/oem-simulator/main.ts';
import { outboxStore } from '../../src/outbox/store.ts';
import type { OwnerDecisions } from './owners.ts';

export interface Settled {
  settled: boolean;
  waitedMs: number;
  /** Outbox jobs still unfinished when the wait ended. */
  unfinishedJobs: number;
}

const stillFor = 3_000;

export async function settle(
  databaseUrl: string,
  simulator: RunningOemSimulator,
  owners: OwnerDecisions,
  timeoutMs: number,
): Promise<Settled> {
  const database = openDatabase({ databaseUrl, sqliteFile: '' });
  const outbox = outboxStore(database);
  try {
    return await waitForQuiet(simulator, owners, timeoutMs, () => outbox.pending());
  } finally {
    await database.close();
  }
}

async function waitForQuiet(
  simulator: RunningOemSimulator,
  owners: OwnerDecisions,
  timeoutMs: number,
  pendingJobs: () => Promise<number>,
): Promise<Settled> {
  const startedAt = Date.now();
  let quietSince: number | undefined;
  let unfinishedJobs = Number.NaN;
  while (Date.now() - startedAt < timeoutMs) {
    const deliveriesDone = await Promise.race([
      simulator.knobs.pendingDeliveries().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200)),
    ]);
    unfinishedJobs = await pendingJobs();
    const quiet = deliveriesDone && unfinishedJobs === 0 && owners.idle();
    quietSince = quiet ? (quietSince ?? Date.now()) : undefined;
    if (quietSince !== undefined && Date.now() - quietSince >= stillFor)
      return { settled: true, waitedMs: Date.now() - startedAt, unfinishedJobs };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { settled: false, waitedMs: Date.now() - startedAt, unfinishedJobs };
}
