// What the soak verifies once the system has settled, from the app's side (GET /v1/authorization with each
// journey's latest access token), the database (clearances per VIN, the outbox's `app_webhook` jobs, the
// delivery log) and what the app's webhook receiver got. Each check is a named pass or fail with its
// evidence; the run exits non-zero unless every one passes.
import type { Knex } from 'knex';
import { authorizationOf, type Instance } from './clients.ts';
import { type Ledger, RequestFailure } from './ledger.ts';
import type { OwnerDecisions } from './owners.ts';
import type { Session, Traffic } from './traffic.ts';
import type { Receipt } from './webhook-receiver.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ConsentFindings {
  checked: number;
  /** Exchanged journeys without exactly one clearance, or whose token does not show it. */
  lost: Array<{ vin: string; clearances: number; seen: string }>;
  duplicates: Array<{ vin: string; clearances: number }>;
  /** Keyturn's authorization status differs from the owner's last decision at the maker. */
  disagreements: Array<{ vin: string; keyturn: string; owner: string }>;
  statuses: Record<string, number>;
  /** Clearances of journeys that failed after the consent was stored (the owner never came back). */
  orphans: number;
  /** Clearances no journey of this run asked for. */
  unknown: number;
}

export interface WebhookFindings {
  queued: number;
  distinctReceived: number;
  receipts: number;
  redeliveries: number;
  redeliveredIds: string[];
  missing: string[];
  unexpected: string[];
  unverified: number;
  /** Owner decisions (approve, revoke) of exchanged journeys that no webhook told the app about. */
  decisionsUntold: Array<{ vin: string; status: string }>;
  failedAttempts: number;
}

export interface OutboxFindings {
  abandoned: Array<{ id: number; kind: string; error: string }>;
  retried: Record<string, number>;
}

interface ClearanceRow {
  vin: string;
  status: string;
}

/** The app's authorization status for each owner decision. */
function ownerStatus(owners: OwnerDecisions, vin: string): string {
  if (owners.revokedAt.has(vin)) return 'revoked';
  if (owners.approvedAt.has(vin)) return 'approved';
  return 'pending';
}

async function viewOf(instance: Instance, session: Session, ledger: Ledger): Promise<string> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const view = await authorizationOf(instance, session.tokens.accessToken);
      ledger.succeeded('authorization');
      return view.vin === session.attempt.vin ? `status:${view.status}` : `another vin ${view.vin}`;
    } catch (error) {
      if (!(error instanceof RequestFailure)) throw error;
      ledger.failed(error.toFailure());
      if (/^HTTP 4/.test(error.message)) return error.message;
    }
  }
  return 'no answer';
}

export async function checkConsents(
  knex: Knex,
  instances: [Instance, Instance],
  traffic: Traffic,
  owners: OwnerDecisions,
  ledger: Ledger,
): Promise<ConsentFindings> {
  const rows = (await knex('clearances').select('vin', 'status')) as ClearanceRow[];
  const byVin = new Map<string, ClearanceRow[]>();
  for (const row of rows) byVin.set(row.vin, [...(byVin.get(row.vin) ?? []), row]);
  const findings: ConsentFindings = {
    checked: traffic.sessions.length,
    lost: [],
    duplicates: [...byVin]
      .filter(([, clearances]) => clearances.length > 1)
      .map(([vin, clearances]) => ({ vin, clearances: clearances.length })),
    disagreements: [],
    statuses: {},
    orphans: 0,
    unknown: 0,
  };
  const exchanged = new Set(traffic.sessions.map((s) => s.attempt.vin));
  const attempted = new Set(traffic.attempts.map((a) => a.vin));
  for (const vin of byVin.keys()) {
    if (!attempted.has(vin)) findings.unknown++;
    else if (!exchanged.has(vin)) findings.orphans++;
  }
  const queue = [...traffic.sessions];
  const checker = async (lane: number) => {
    for (let session = queue.shift(); session; session = queue.shift()) {
      const { vin } = session.attempt;
      const seen = await viewOf(instances[lane % 2] as Instance, session, ledger);
      const clearances = byVin.get(vin)?.length ?? 0;
      if (clearances !== 1 || !seen.startsWith('status:')) findings.lost.push({ vin, clearances, seen });
      const keyturn = seen.replace(/^status:/, '');
      findings.statuses[keyturn] = (findings.statuses[keyturn] ?? 0) + 1;
      const owner = ownerStatus(owners, vin);
      if (seen.startsWith('status:') && keyturn !== owner)
        findings.disagreements.push({ vin, keyturn, owner });
    }
  };
  await Promise.all([0, 1, 2, 3].map(checker));
  return findings;
}

export async function checkWebhooks(
  knex: Knex,
  receipts: Receipt[],
  unverified: number,
  traffic: Traffic,
  owners: OwnerDecisions,
  ledger: Ledger,
): Promise<WebhookFindings> {
  const jobs = (await knex('outbox').select('id').where({ kind: 'app_webhook' })) as Array<{ id: number }>;
  const queued = new Set(jobs.map((job) => `msg_keyturn_${job.id}`));
  const counts = new Map<string, number>();
  for (const receipt of receipts) counts.set(receipt.webhookId, (counts.get(receipt.webhookId) ?? 0) + 1);
  const failed = (await knex('webhook_deliveries')
    .select('attempted_at', 'duration_ms', 'error', 'webhook_id')
    .whereNotNull('error')) as Array<{
    attempted_at: number;
    duration_ms: number;
    error: string;
    webhook_id: string;
  }>;
  for (const attempt of failed)
    ledger.failed({
      operation: 'webhook_delivery',
      instance: undefined,
      startedAt: Number(attempt.attempted_at),
      endedAt: Number(attempt.attempted_at) + Number(attempt.duration_ms),
      what: `${attempt.webhook_id}: ${attempt.error}`,
    });
  const told = (vin: string, status: string) => receipts.some((r) => r.vin === vin && r.status === status);
  const decisionsUntold: WebhookFindings['decisionsUntold'] = [];
  for (const { attempt } of traffic.sessions) {
    if (owners.approvedAt.has(attempt.vin) && !told(attempt.vin, 'approved'))
      decisionsUntold.push({ vin: attempt.vin, status: 'approved' });
    if (owners.revokedAt.has(attempt.vin) && !told(attempt.vin, 'revoked'))
      decisionsUntold.push({ vin: attempt.vin, status: 'revoked' });
  }
  return {
    queued: queued.size,
    distinctReceived: counts.size,
    receipts: receipts.length,
    redeliveries: receipts.length - counts.size,
    redeliveredIds: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    missing: [...queued].filter((id) => !counts.has(id)),
    unexpected: [...counts.keys()].filter((id) => !queued.has(id)),
    unverified,
    decisionsUntold,
    failedAttempts: failed.length,
  };
}

export async function checkOutbox(knex: Knex): Promise<OutboxFindings> {
  const abandoned = (await knex('outbox')
    .select('id', 'kind', 'last_error')
    .whereLike('last_error', 'abandoned:%')) as Array<{ id: number; kind: string; last_error: string }>;
  const retried = (await knex('outbox')
    .select('kind')
    .count({ count: '*' })
    .where('attempts', '>', 1)
    .groupBy('kind')) as Array<{ kind: string; count: number | string }>;
  return {
    abandoned: abandoned.map((job) => ({ id: Number(job.id), kind: job.kind, error: job.last_error })),
    retried: Object.fromEntries(retried.map((row) => [row.kind, Number(row.count)])),
  };
}

const some = (items: unknown[], limit = 5) =>
  items
    .slice(0, limit)
    .map((item) => JSON.stringify(item))
    .join(', ') + (items.length > limit ? ` … (${items.length} in all)` : '');

export function verdicts(input: {
  settled: { settled: boolean; waitedMs: number; unfinishedJobs: number };
  consents: ConsentFindings;
  webhooks: WebhookFindings;
  outbox: OutboxFindings;
  ledger: Ledger;
  contradictions: Traffic['contradictions'];
  unexpectedExits: unknown[];
  stopExits: Array<number | null>;
  callbacksGivenUp: number;
}): Check[] {
  const { consents, webhooks, outbox } = input;
  const outside = input.ledger.failuresBy('outside');
  return [
    {
      name: 'system settled after the load',
      ok: input.settled.settled,
      detail: input.settled.settled
        ? `in ${(input.settled.waitedMs / 1000).toFixed(1)} s`
        : `not within ${(input.settled.waitedMs / 1000).toFixed(0)} s; ${input.settled.unfinishedJobs} outbox jobs unfinished`,
    },
    {
      name: 'no instance crashed; SIGTERM exits 0',
      ok: input.unexpectedExits.length === 0 && input.stopExits.every((code) => code === 0),
      detail: `unexpected exits: ${some(input.unexpectedExits) || 'none'}; SIGTERM exit codes: ${input.stopExits.join(', ')}`,
    },
    {
      name: 'zero lost consents',
      ok: consents.lost.length === 0,
      detail: `${consents.checked} exchanged journeys checked; lost: ${some(consents.lost) || 'none'}`,
    },
    {
      name: 'zero duplicate clearances',
      ok: consents.duplicates.length === 0 && consents.unknown === 0,
      detail: `VINs with more than one clearance: ${some(consents.duplicates) || 'none'}; clearances no journey asked for: ${consents.unknown}`,
    },
    {
      name: "Keyturn's status matches the owner's decision",
      ok: consents.disagreements.length === 0,
      detail: some(consents.disagreements) || `all ${consents.checked} agree`,
    },
    {
      name: 'every queued webhook event delivered',
      ok: webhooks.missing.length === 0 && webhooks.unexpected.length === 0 && webhooks.unverified === 0,
      detail: `${webhooks.distinctReceived}/${webhooks.queued} ids received; missing: ${some(webhooks.missing) || 'none'}; unexpected ids: ${webhooks.unexpected.length}; bad signatures: ${webhooks.unverified}; redeliveries (same id, at-least-once): ${webhooks.redeliveries}`,
    },
    {
      name: "every owner decision reached the app's webhook",
      ok: webhooks.decisionsUntold.length === 0,
      detail: some(webhooks.decisionsUntold) || 'all',
    },
    {
      name: 'no maker callback given up',
      ok: input.callbacksGivenUp === 0,
      detail: `${input.callbacksGivenUp} given up`,
    },
    {
      name: 'no outbox job abandoned',
      ok: outbox.abandoned.length === 0,
      detail: some(outbox.abandoned) || 'none',
    },
    {
      name: "introspection agrees with the owners' decisions",
      ok: input.contradictions.length === 0,
      detail: some(input.contradictions) || 'no contradiction',
    },
    {
      name: 'zero failures outside fault windows',
      ok: outside.length === 0,
      detail: some(outside.map((f) => ({ ...f, at: new Date(f.endedAt).toISOString() }))) || 'none',
    },
  ];
}
