// The faults the soak injects, each recorded as a window in the ledger: PostgreSQL's backends for the soak
// database terminated (what a restart or a failover does to every connection), and one Keyturn instance
// stopped with SIGTERM and started again on the same port. A window closes once every instance's readiness
// answers 200 again, plus a grace period.
import { adminConnection, type SoakDatabase } from './database.ts';
import type { KeyturnInstance } from './instances.ts';
import type { Ledger } from './ledger.ts';

export interface FaultPlan {
  /** Share of the run's duration at which the fault starts. */
  at: number;
  fault: 'terminate_backends' | 'restart_instance';
}

export const defaultPlan: FaultPlan[] = [
  { at: 0.2, fault: 'terminate_backends' },
  { at: 0.45, fault: 'terminate_backends' },
  { at: 0.55, fault: 'restart_instance' },
  { at: 0.7, fault: 'terminate_backends' },
];

export interface FaultContext {
  ledger: Ledger;
  serverUrl: string;
  database: SoakDatabase;
  instances: KeyturnInstance[];
  /** The instance the restart fault stops and starts again. */
  restarted: KeyturnInstance;
  graceMs: number;
  log(message: string): void;
}

/** Ends every connection to the soak database except the admin connection's own; returns how many. */
export async function terminateBackends(serverUrl: string, database: SoakDatabase): Promise<number> {
  const admin = adminConnection(serverUrl);
  try {
    const result = await admin.raw(
      'select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = ? and pid <> pg_backend_pid()',
      [database.name],
    );
    return Number(result.rows[0].n);
  } finally {
    await admin.destroy();
  }
}

async function allReady(instances: KeyturnInstance[]): Promise<void> {
  await Promise.all(instances.map((instance) => instance.ready(120_000)));
}

export async function injectFault(context: FaultContext, fault: FaultPlan['fault']): Promise<void> {
  const { ledger, log } = context;
  if (fault === 'terminate_backends') {
    const window = ledger.openWindow(fault, '');
    const terminated = await terminateBackends(context.serverUrl, context.database);
    window.detail = `${terminated} backends terminated`;
    await allReady(context.instances);
    ledger.back(window, context.graceMs);
    log(
      `fault: ${terminated} PostgreSQL backends terminated; ready again after ${window.backAt! - window.startedAt} ms`,
    );
    return;
  }
  const instance = context.restarted;
  const window = ledger.openWindow(fault, `instance ${instance.name}`);
  const code = await instance.stop();
  const stoppedAfter = Date.now() - window.startedAt;
  await instance.start();
  await allReady(context.instances);
  ledger.back(window, context.graceMs);
  window.detail = `instance ${instance.name}: SIGTERM → exit ${code} after ${stoppedAfter} ms, ready again after ${window.backAt! - window.startedAt} ms`;
  log(`fault: ${window.detail}`);
}

/** Runs the plan over a run of `durationMs` that started at `startedAt`; resolves after the last fault. */
export async function runFaults(
  context: FaultContext,
  plan: FaultPlan[],
  startedAt: number,
  durationMs: number,
): Promise<void> {
  for (const step of [...plan].sort((a, b) => a.at - b.at)) {
    const wait = startedAt + step.at * durationMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await injectFault(context, step.fault);
  }
}
