// Scenario: signed `authorization_changed` callbacks (approved), each a real status change of a distinct
// pending_validation clearance; plus introspection latency beside them versus idle.
import { createHmac, randomBytes } from 'node:crypto';
import { type DatasetMeta, pendingClearanceOf, tokenOf } from '../dataset.ts';
import { benchVin } from '../flows.ts';
import { type LoadSpec, measured, medianSample, runLoad, type Sample } from '../load.ts';
import { runPacedApart } from '../paced-load.ts';
import type { ServerHandle } from '../server-process.ts';
import { type Engine, repeatedConsuming, row, type ScenarioResult, type Settings } from './common.ts';
import { introspectionLoad } from './introspection.ts';

export const benchWebhookSecret = `whsec_${Buffer.from('keyturn-bench-webhook-secret-0123456789').toString('base64')}`;
const key = Buffer.from(benchWebhookSecret.slice('whsec_'.length), 'base64');

/**
 * A maker's callback under a new webhook-id, signed with the bench secret (Standard Webhooks: HMAC-SHA256
 * over `id.timestamp.body`, base64, `v1,` prefix).
 */
export function signedBody(body: string) {
  const id = `msg_${randomBytes(12).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    body,
    headers: { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` },
  };
}

/** One signed `authorization_changed` callback: the maker reports the clearance approved. */
export function signedCallback(clearanceId: string) {
  return signedBody(
    JSON.stringify({
      type: 'authorization_changed',
      timestamp: new Date().toISOString(),
      data: { clearance_id: clearanceId, vin: benchVin, status: 'approved' },
    }),
  );
}

function tokenSample(meta: DatasetMeta, count: number) {
  return Array.from({ length: Math.min(count, meta.spec.connected) }, (_, i) => tokenOf(meta, i));
}

export async function callbacksScenario(
  settings: Settings,
  server: ServerHandle,
  options: { engine: Engine; meta: DatasetMeta },
): Promise<ScenarioResult[]> {
  const { meta } = options;
  const total = meta.spec.pendingValidation;
  let cursor = 0;
  // Bodies are signed just before each run, so their timestamps stay inside the 5-minute tolerance.
  let prepared: ReturnType<typeof signedCallback>[] = [];
  let used = 0;
  const prepare = (amount: number) => {
    prepared = [];
    used = 0;
    for (let n = 0; n < amount + settings.connections * 2 && cursor + n < total; n++)
      prepared.push(signedCallback(pendingClearanceOf(meta, cursor + n)));
  };
  const spec: LoadSpec = {
    url: server.url,
    connections: settings.connections,
    duration: 1,
    request: {
      method: 'POST',
      path: '/callbacks/bmw',
      headers: { 'content-type': 'application/json' },
      next: () => {
        const next = prepared[used++] ?? signedCallback('exhausted');
        cursor++;
        return next;
      },
    },
    accept: (body) => body.includes('"outcome":"changed"'),
  };
  const sample = await repeatedConsuming(server, settings, spec, () => total - cursor, prepare);
  const callbacks = row(
    { name: 'callbacks authorization_changed', engine: options.engine, kind: 'callbacks', system: 'keyturn' },
    sample,
    server,
  );

  // Introspection at a fixed modest rate, from a process of its own: alone, then while callbacks run at
  // full speed from this one.
  const side = introspectionLoad(server, meta.consumer, [], 1);
  const sideSpec = {
    url: server.url,
    path: side.request.path,
    method: 'POST',
    headers: side.request.headers ?? {},
    bodies: tokenSample(meta, 50_000).map((token) => `token=${token}&token_type_hint=access_token`),
    accept: '"active":true',
    maxSockets: Math.max(2, Math.min(8, settings.connections / 2)),
    duration: settings.duration,
    warmup: settings.warmup,
    rate: settings.sideRate,
  };
  // Alternately alone and beside callbacks, `reps` times each; the median of each figure (a single p99
  // on this shared host can be off by an order of magnitude either way).
  const idleRuns: Sample[] = [];
  const busyRuns: Sample[] = [];
  const concurrentRuns: Sample[] = [];
  for (let rep = 0; rep < settings.reps && total - cursor > 0; rep++) {
    idleRuns.push({ ...(await runPacedApart(sideSpec)), cpuUsPerReq: Number.NaN });
    const remaining = Math.floor((total - cursor) / (settings.reps - rep));
    const amount = Math.max(1, Math.min(remaining, Math.ceil(sample.rps * settings.duration * 1.2)));
    prepare(amount);
    const [busy, concurrent] = await Promise.all([
      runPacedApart(sideSpec),
      measured(server, () => runLoad({ ...spec, amount, duration: settings.duration * 4 })),
    ]);
    busyRuns.push({ ...busy, cpuUsPerReq: Number.NaN });
    concurrentRuns.push(concurrent);
  }
  const idle = medianSample(idleRuns);
  const busy = medianSample(busyRuns);
  const concurrent = medianSample(concurrentRuns);
  const sideRow = row(
    {
      name: 'introspection beside callbacks',
      engine: options.engine,
      kind: 'introspection_side',
      system: 'keyturn',
      notes: `${settings.sideRate} req/s fixed; callbacks meanwhile ${Math.round(concurrent.rps)}/s`,
    },
    busy,
    server,
  );
  sideRow.idle_p99_ms = idle.p99;
  sideRow.errors += idle.errors + concurrent.errors;
  sideRow.non2xx += idle.non2xx + concurrent.non2xx;
  return [callbacks, sideRow];
}
