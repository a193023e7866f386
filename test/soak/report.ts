// The soak's report: a compact table on stdout (traffic, failures inside and outside the fault windows,
// the faults, consents, webhooks, the checks) and, with --out, the same facts as JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Check, ConsentFindings, OutboxFindings, WebhookFindings } from './checks.ts';
import { type FaultWindow, type Ledger, operations } from './ledger.ts';
import type { Traffic } from './traffic.ts';

export interface LogSummary {
  file: string;
  /** Lines at level error or fatal, by message. */
  errors: Record<string, number>;
  /** Lines at level warn, by message. */
  warnings: Record<string, number>;
  /** The first error line in full, for the evidence. */
  firstError: string | undefined;
}

/** Counts a pino log file's warn and error lines by message. */
export function summarizeLog(file: string): LogSummary {
  const summary: LogSummary = { file, errors: {}, warnings: {}, firstError: undefined };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let entry: { level?: number; msg?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const message = entry.msg ?? '(no message)';
    if ((entry.level ?? 0) >= 50) {
      summary.errors[message] = (summary.errors[message] ?? 0) + 1;
      summary.firstError ??= line.slice(0, 2_000);
    } else if (entry.level === 40) summary.warnings[message] = (summary.warnings[message] ?? 0) + 1;
  }
  return summary;
}

export interface SoakReport {
  run: {
    minutes: number;
    startedAt: string;
    loadEndedAt: string;
    database: string;
    logDirectory: string;
    instances: Record<string, string>;
  };
  traffic: {
    journeys: { started: number; completed: number; failed: number; unredeemed: number };
    successes: Ledger['successes'];
    approvals: number;
    revocations: number;
    callbacks: { delivered: number; failedAttempts: number; givenUp: number };
    refreshedSessions: number;
  };
  failures: {
    inside: number;
    outside: number;
    byOperation: Record<string, { inside: number; outside: number }>;
    /** Inside the windows, how requests failed: the status, or the network error. */
    insideByCause: Record<string, number>;
    outsideList: Ledger['failures'];
    insideSample: Ledger['failures'];
  };
  faults: FaultWindow[];
  consents: ConsentFindings;
  webhooks: WebhookFindings;
  outbox: OutboxFindings;
  settledInMs: number;
  serverLogs: LogSummary[];
  checks: Check[];
  passed: boolean;
}

/** `HTTP 503`, `ECONNREFUSED`, … : what a failure's description says went wrong, without the details. */
export function causeOf(what: string): string {
  return (
    /HTTP \d{3}/.exec(what)?.[0] ??
    /E[A-Z]{4,}|other side closed|no answer within \d+ ms|never arrived/.exec(what)?.[0] ??
    what.slice(0, 40)
  );
}

export function failureSummary(ledger: Ledger): SoakReport['failures'] {
  const byOperation: Record<string, { inside: number; outside: number }> = {};
  for (const failure of ledger.failures) {
    byOperation[failure.operation] ??= { inside: 0, outside: 0 };
    const entry = byOperation[failure.operation] as { inside: number; outside: number };
    if (ledger.isInsideWindow(failure)) entry.inside++;
    else entry.outside++;
  }
  const inside = ledger.failuresBy('inside');
  const outside = ledger.failuresBy('outside');
  const insideByCause: Record<string, number> = {};
  for (const failure of inside) {
    const cause = causeOf(failure.what);
    insideByCause[cause] = (insideByCause[cause] ?? 0) + 1;
  }
  return {
    inside: inside.length,
    outside: outside.length,
    byOperation,
    insideByCause,
    outsideList: outside,
    insideSample: inside.slice(0, 30),
  };
}

export function journeyCounts(traffic: Traffic): SoakReport['traffic']['journeys'] {
  const count = (outcome: string) => traffic.attempts.filter((a) => a.outcome === outcome).length;
  return {
    started: traffic.attempts.length,
    completed: traffic.attempts.length - count('failed') - count('walking'),
    failed: count('failed'),
    unredeemed: count('unredeemed'),
  };
}

const pad = (value: unknown, width: number) => String(value).padEnd(width);
const clock = (epochMs: number | undefined, since: number) =>
  epochMs === undefined ? '—' : `+${((epochMs - since) / 1000).toFixed(1)}s`;

export function printReport(report: SoakReport): void {
  const started = Date.parse(report.run.startedAt);
  const { traffic, failures, webhooks, consents } = report;
  const lines: string[] = [];
  const row = (label: string, value: unknown) => lines.push(`  ${pad(label, 38)} ${value}`);
  lines.push('', `Keyturn soak — ${report.run.minutes} min, two instances, one PostgreSQL database`, '');
  lines.push('Traffic');
  row(
    'journeys (started / code / failed)',
    `${traffic.journeys.started} / ${traffic.journeys.completed} / ${traffic.journeys.failed}`,
  );
  row(
    'code exchanges',
    `${traffic.successes.exchange} (codes never redeemed: ${traffic.journeys.unredeemed})`,
  );
  row('introspections', traffic.successes.introspection);
  row('refresh-token grants', `${traffic.successes.refresh} (over ${traffic.refreshedSessions} sessions)`);
  row('owner approvals / revocations', `${traffic.approvals} / ${traffic.revocations}`);
  row(
    'maker callbacks (ok / failed / given up)',
    `${traffic.callbacks.delivered} / ${traffic.callbacks.failedAttempts} / ${traffic.callbacks.givenUp}`,
  );
  row('GET /v1/authorization checks', traffic.successes.authorization);
  lines.push('', 'Failed requests              inside windows   outside');
  for (const operation of operations) {
    const entry = failures.byOperation[operation] ?? { inside: 0, outside: 0 };
    lines.push(`  ${pad(operation, 28)} ${pad(entry.inside, 16)} ${entry.outside}`);
  }
  lines.push(`  ${pad('total', 28)} ${pad(failures.inside, 16)} ${failures.outside}`);
  lines.push(`  inside, by cause: ${JSON.stringify(failures.insideByCause)}`);
  lines.push('', 'Faults (window: start → back, + grace)');
  for (const window of report.faults)
    lines.push(
      `  ${pad(window.fault, 20)} ${pad(clock(window.startedAt, started), 9)} → ${pad(clock(window.backAt, started), 9)} ${window.detail}`,
    );
  lines.push('', 'Consents');
  row('exchanged journeys checked', consents.checked);
  row('consents lost', consents.lost.length);
  row('duplicate clearances (VINs)', consents.duplicates.length);
  row('statuses seen by the app', JSON.stringify(consents.statuses));
  row('orphaned by failed journeys', consents.orphans);
  lines.push('', 'Webhooks (authorization_changed)');
  row('ids queued / received', `${webhooks.queued} / ${webhooks.distinctReceived}`);
  row('receipts in all', webhooks.receipts);
  row(
    'redeliveries of an id (at-least-once)',
    `${webhooks.redeliveries}${webhooks.redeliveredIds.length ? ` (${webhooks.redeliveredIds.slice(0, 5).join(', ')})` : ''}`,
  );
  row('missing', webhooks.missing.length);
  row('failed delivery attempts', webhooks.failedAttempts);
  row('outbox jobs retried (by kind)', JSON.stringify(report.outbox.retried));
  lines.push('', 'Server logs (error lines by message)');
  for (const log of report.serverLogs)
    lines.push(`  ${pad(log.file.split('/').pop(), 20)} ${JSON.stringify(log.errors)}`);
  lines.push('', 'Checks');
  for (const check of report.checks)
    lines.push(`  [${check.ok ? 'pass' : 'FAIL'}] ${check.name}: ${check.detail}`);
  lines.push('', report.passed ? 'SOAK PASSED' : 'SOAK FAILED', '');
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function writeReport(file: string, report: SoakReport): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
