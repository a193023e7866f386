// Smoke test of the benchmark harness: `--quick` runs every scenario and writes complete JSON with no errors.
// Nothing about speed is asserted (targets live in the benchmark report, never in `npm test`).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'keyturn-bench-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const expected = [
  ['koa', 'hello JSON', 'memory'],
  ['peer', 'introspection 1000 grants', 'memory'],
  ['peer', 'code + PKCE exchange', 'memory'],
  ['peer', 'code + PKCE exchange', 'sqlite'],
  ['peer', 'journey (dev login + consent) + exchange', 'memory'],
  ['peer', 'journey (dev login + consent) + exchange', 'sqlite'],
  ['bare', 'event webhooks to a local receiver', 'sqlite'],
  ['bare', 'event webhooks to a local receiver', 'postgres'],
  ['bare', 'fleet batch registration 3×200', 'sqlite'],
  ['bare', 'fleet batch registration 3×200', 'postgres'],
  ['keyturn', 'introspection 1000 grants', 'sqlite'],
  ['keyturn', 'introspection 2000 grants', 'sqlite'],
  ['keyturn', 'introspection 2000 grants', 'postgres'],
  ['keyturn', 'callbacks authorization_changed', 'sqlite'],
  ['keyturn', 'introspection beside callbacks', 'sqlite'],
  ['keyturn', 'callbacks authorization_changed', 'postgres'],
  ['keyturn', 'introspection beside callbacks', 'postgres'],
  ['keyturn', 'callbacks vehicle_location_changed', 'sqlite'],
  ['keyturn', 'callbacks authorization_changed, in turns with location', 'sqlite'],
  ['keyturn', 'event webhooks to a local receiver', 'sqlite'],
  ['keyturn', 'callbacks vehicle_location_changed', 'postgres'],
  ['keyturn', 'callbacks authorization_changed, in turns with location', 'postgres'],
  ['keyturn', 'event webhooks to a local receiver', 'postgres'],
  ['keyturn', 'code + PKCE exchange', 'sqlite'],
  ['keyturn', 'journey (landing → … → permissions) + exchange', 'sqlite'],
  ['keyturn', 'fleet batch registration 3×200', 'sqlite'],
  ['keyturn', 'fleet batch registration 3×200', 'postgres'],
  ['keyturn', 'fleet list page of 100 by category, 2000 vehicles', 'sqlite'],
  ['keyturn', 'fleet list page of 100 by category, 20000 vehicles', 'sqlite'],
  ['keyturn', 'fleet list page of 100 by category, 2000 vehicles', 'postgres'],
  ['keyturn', 'fleet list page of 100 by category, 20000 vehicles', 'postgres'],
];

test('npm run bench -- --quick runs every scenario without errors', { timeout: 180_000 }, async () => {
  const out = join(folder, 'bench.json');
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
  delete env.VITEST;
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/bench/run.ts', '--quick', '--out', out],
    { cwd: root, env, timeout: 175_000, maxBuffer: 16 << 20 },
  );
  const rows = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[];
  expect(rows.map((r) => [r.system, r.name, r.engine])).toEqual(expected);
  for (const r of rows) {
    for (const field of ['rps', 'p50_ms', 'p99_ms', 'p999_ms', 'rss_mb'])
      expect(typeof r[field], `${r.name} ${field}`).toBe('number');
    if (r.system !== 'keyturn' || r.kind !== 'introspection_side')
      expect(typeof r.cpu_us_per_req, `${r.name} cpu_us_per_req`).toBe('number');
    // Introspection also runs paced at half its capacity, with the server's CPU read over that run alone.
    if (r.kind === 'introspection')
      for (const field of ['p99_half_ms', 'busy_half_pct'])
        expect(typeof r[field], `${r.name} ${field}`).toBe('number');
    expect(r.errors, `${r.name} errors`).toBe(0);
    expect(r.non2xx, `${r.name} non2xx`).toBe(0);
    // Batch registration is counted per vehicle, its baseline (bare inserts) too; the event fan-out and its
    // bare loop per delivery.
    if (r.kind === 'fleet_registration') expect(r.unit, `${r.name} unit`).toBe('vehicle');
    if (r.kind === 'event_fanout') expect(r.unit, `${r.name} unit`).toBe('delivery');
    expect(r).toHaveProperty('ratio_vs_koa');
    expect(r).toHaveProperty('ratio_vs_peer');
  }
  // Ratios are to the peer in memory; its run on SQLite is shown beside it, not compared against (the JSON
  // rounds both figures, hence two decimals).
  const cpu = (system: string, kind: string, engine: string) =>
    rows.find((r) => r.system === system && r.kind === kind && r.engine === engine)?.cpu_us_per_req as number;
  for (const kind of ['code_exchange', 'journey']) {
    const keyturn = rows.find((r) => r.system === 'keyturn' && r.kind === kind);
    expect(keyturn?.ratio_vs_peer, kind).toBeCloseTo(
      cpu('peer', kind, 'memory') / cpu('keyturn', kind, 'sqlite'),
      2,
    );
  }
});
