// Ratios against the baselines, Keyturn's performance targets, the stdout table and the JSON file.
import { writeFileSync } from 'node:fs';
import {
  fleetListName,
  locationCallbacksName,
  referenceCallbacksName,
  type ScenarioResult,
} from './scenarios/common.ts';

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** Fills ratio_vs_koa and ratio_vs_peer (baseline CPU per request ÷ this row's: above 1 = cheaper). */
export function addRatios(rows: ScenarioResult[]): void {
  const koa = rows.find((r) => r.system === 'koa');
  // The peer on SQLite (exchange, journey) is shown for comparison; the ratios are to the peer in memory.
  const peers = new Map(
    rows.filter((r) => r.system === 'peer' && r.engine === 'memory').map((r) => [r.kind, r]),
  );
  for (const r of rows) {
    // A row counted per vehicle has no request to compare with the baselines' requests.
    if (!finite(r.cpu_us_per_req) || r.cpu_us_per_req <= 0 || r.unit) continue;
    if (koa && finite(koa.cpu_us_per_req)) r.ratio_vs_koa = koa.cpu_us_per_req / r.cpu_us_per_req;
    const peer = peers.get(r.kind);
    if (r.system === 'keyturn' && peer && finite(peer.cpu_us_per_req))
      r.ratio_vs_peer = peer.cpu_us_per_req / r.cpu_us_per_req;
  }
}

export const failed = (r: ScenarioResult) => r.errors > 0 || r.non2xx > 0 || !finite(r.rps) || r.rps <= 0;

export function checkTargets(
  rows: ScenarioResult[],
  sizes: { big: number; small: number; bigFleet?: number; smallFleet?: number },
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (target: string, value: number | null | undefined, ok: (v: number) => boolean, unit = '') =>
    checks.push({
      target,
      value: finite(value) ? `${value.toFixed(2)}${unit}` : 'n/a',
      met: finite(value) && ok(value),
    });
  const keyturnRow = (name: string, engine: string) =>
    rows.find((r) => r.system === 'keyturn' && r.name === name && r.engine === engine);
  const bigSqlite = keyturnRow(`introspection ${sizes.big} grants`, 'sqlite');
  const small = keyturnRow(`introspection ${sizes.small} grants`, 'sqlite');
  const bigPg = keyturnRow(`introspection ${sizes.big} grants`, 'postgres');
  add('introspection big SQLite: ratio_vs_peer ≥ 1.0', bigSqlite?.ratio_vs_peer, (v) => v >= 1);
  add('introspection big SQLite: p99 at half capacity ≤ 5 ms', bigSqlite?.p99_half_ms, (v) => v <= 5, ' ms');
  if (bigSqlite && small)
    add('introspection big rps ≥ 90% of small (SQLite)', bigSqlite.rps / small.rps, (v) => v >= 0.9, '×');
  if (bigPg) {
    add(
      'introspection big PostgreSQL ≥ 60% of SQLite rps',
      bigSqlite ? bigPg.rps / bigSqlite.rps : null,
      (v) => v >= 0.6,
      '×',
    );
    add(
      'introspection big PostgreSQL: p99 at half capacity ≤ 15 ms',
      bigPg.p99_half_ms,
      (v) => v <= 15,
      ' ms',
    );
  }
  // "Per core": one core's capacity is 1 s of CPU over the CPU each request takes. The measured rps is
  // shown beside it; it is lower whenever the load tool, on the other core, saturates first.
  const perCore = (target: string, r: ScenarioResult) => {
    const capacity = finite(r.cpu_us_per_req) && r.cpu_us_per_req > 0 ? 1e6 / r.cpu_us_per_req : null;
    checks.push({
      target,
      value: finite(capacity) ? `${capacity.toFixed(0)}/s per core (measured ${r.rps.toFixed(0)}/s)` : 'n/a',
      met: finite(capacity) && capacity >= 2000,
    });
  };
  for (const r of rows.filter((x) => x.kind === 'callbacks' && x.engine === 'sqlite'))
    perCore('callbacks SQLite ≥ 2,000/s per core', r);
  for (const r of rows.filter((x) => x.kind === 'introspection_side'))
    add(
      `introspection p99 beside callbacks ≤ 2× idle (${r.engine})`,
      finite(r.idle_p99_ms) && r.idle_p99_ms > 0 ? r.p99_ms / r.idle_p99_ms : null,
      (v) => v <= 2,
      '×',
    );
  for (const r of rows.filter((x) => x.system === 'keyturn' && x.kind === 'journey'))
    add('journey CPU ≤ 2× peer (ratio_vs_peer ≥ 0.5)', r.ratio_vs_peer, (v) => v >= 0.5);
  for (const r of rows.filter((x) => x.system === 'keyturn' && x.kind === 'code_exchange'))
    perCore('code + PKCE exchange ≥ 2,000/s per core', r);
  // Batch registration: the API's vehicles per second against the same rows written by bare inserts on the
  // same engine in the same run (CPU per vehicle shown beside it).
  for (const api of rows.filter((r) => r.system === 'keyturn' && r.kind === 'fleet_registration')) {
    const bare = rows.find((r) => r.system === 'bare' && r.kind === api.kind && r.engine === api.engine);
    const ratio = bare ? api.rps / bare.rps : null;
    const cpu = bare ? api.cpu_us_per_req / bare.cpu_us_per_req : null;
    checks.push({
      target: `fleet batch registration vehicles/s ≥ 25% of bare inserts (${api.engine})`,
      value: finite(ratio)
        ? `${ratio.toFixed(2)}× (${api.rps.toFixed(0)} vs ${bare?.rps.toFixed(0)} vehicles/s; CPU per vehicle ${fmt(cpu, 1)}× the inserts')`
        : 'n/a',
      met: finite(ratio) && ratio >= 0.25,
    });
  }
  // Listing: a page from a fleet of the big data set as fast as from one of the small.
  for (const engine of ['sqlite', 'postgres']) {
    if (sizes.bigFleet === undefined || sizes.smallFleet === undefined) break;
    const big = keyturnRow(fleetListName(sizes.bigFleet), engine);
    const smallFleet = keyturnRow(fleetListName(sizes.smallFleet), engine);
    if (big && smallFleet)
      checks.push({
        target: `fleet list big rps ≥ 90% of small (${engine})`,
        value: `${(big.rps / smallFleet.rps).toFixed(2)}× (CPU per request ${fmt(big.cpu_us_per_req / smallFleet.cpu_us_per_req, 2)}× the small's)`,
        met: big.rps / smallFleet.rps >= 0.9,
      });
  }
  // Vehicle events in: a location callback (queued for the subscribed app and charged) against an
  // authorization_changed callback measured in turns on the same server, per core (CPU per request).
  for (const engine of ['sqlite', 'postgres']) {
    const location = keyturnRow(locationCallbacksName, engine);
    const reference = keyturnRow(referenceCallbacksName, engine);
    if (!location || !reference) continue;
    const ratio = reference.cpu_us_per_req / location.cpu_us_per_req;
    checks.push({
      target: `callbacks vehicle_location_changed ≥ 80% of authorization_changed per core (${engine})`,
      value: finite(ratio)
        ? `${ratio.toFixed(2)}× (${fmt(1e6 / location.cpu_us_per_req, 0)} vs ${fmt(1e6 / reference.cpu_us_per_req, 0)}/s per core; measured ${fmt(location.rps, 0)} vs ${fmt(reference.rps, 0)}/s)`
        : 'n/a',
      met: finite(ratio) && ratio >= 0.8,
    });
  }
  // Vehicle events out: deliveries per second of Keyturn's worker against a bare signing loop at the same
  // concurrency to the same receiver, same engine, same run (CPU per delivery shown beside it).
  for (const worker of rows.filter((r) => r.system === 'keyturn' && r.kind === 'event_fanout')) {
    const bare = rows.find(
      (r) => r.system === 'bare' && r.kind === worker.kind && r.engine === worker.engine,
    );
    const ratio = bare ? worker.rps / bare.rps : null;
    checks.push({
      target: `event webhooks delivered/s ≥ 50% of a bare signing loop (${worker.engine})`,
      value: finite(ratio)
        ? `${ratio.toFixed(2)}× (${worker.rps.toFixed(0)} vs ${bare?.rps.toFixed(0)} deliveries/s; CPU per delivery ${fmt(bare ? worker.cpu_us_per_req / bare.cpu_us_per_req : null, 1)}× the loop's)`
        : 'n/a',
      met: finite(ratio) && ratio >= 0.5,
    });
  }
  const keyturnRss = rows.filter((r) => r.system === 'keyturn').map((r) => r.rss_mb);
  add(
    'peak RSS ≤ 250 MB (every Keyturn scenario)',
    keyturnRss.length ? Math.max(...keyturnRss) : null,
    (v) => v <= 250,
    ' MB',
  );
  for (const r of rows.filter(failed))
    checks.push({
      target: `no errors: ${r.name} (${r.engine})`,
      value: `${r.errors} errors, ${r.non2xx} non-2xx`,
      met: false,
    });
  return checks;
}

/** A figure for the table and the log, or '–' where the row has none (no CPU beside callbacks). */
export const fmt = (n: number | null | undefined, digits = 1) => (finite(n) ? n.toFixed(digits) : '–');

export function table(rows: ScenarioResult[]): string {
  const head = [
    'scenario',
    'system',
    'engine',
    'rps',
    'cpu µs/req',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'p99@½ ms (busy)',
    'rss MB',
    'err',
    'non2xx',
    '×koa',
    '×peer',
  ];
  const body = rows.map((r) => [
    r.unit ? `${r.name} (per ${r.unit})` : r.name,
    r.system,
    r.engine,
    fmt(r.rps, 0),
    fmt(r.cpu_us_per_req, 0),
    fmt(r.p50_ms, 2),
    r.kind === 'introspection_side'
      ? `${fmt(r.p99_ms, 2)} (idle ${fmt(r.idle_p99_ms, 2)})`
      : fmt(r.p99_ms, 2),
    fmt(r.p999_ms, 2),
    r.busy_half_pct === undefined
      ? fmt(r.p99_half_ms, 2)
      : `${fmt(r.p99_half_ms, 2)} (${fmt(r.busy_half_pct, 0)}%)`,
    fmt(r.rss_mb, 0),
    String(r.errors),
    String(r.non2xx),
    fmt(r.ratio_vs_koa, 3),
    fmt(r.ratio_vs_peer, 2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w, i) => (i < 3 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w - 1)}:-`)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

export function targetsTable(checks: TargetCheck[]): string {
  return checks.map((c) => `${c.met ? 'MET   ' : 'MISSED'}  ${c.target}: ${c.value}`).join('\n');
}

export function writeJson(file: string, rows: ScenarioResult[]): void {
  const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null);
  const output = rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])),
  );
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
}
