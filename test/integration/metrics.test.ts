// GET /metrics over real HTTP: a consent, the maker's callbacks, the app's webhook, introspection and a job
// given up on move exactly the counters they should; the outbox and clearance gauges are read at scrape
// time; labels are route templates, never a VIN, a clearance id, an interaction id or a client id. In
// production /metrics needs METRICS_TOKEN as a bearer token (401 without it) and is absent (404) unset.
// Node's process metrics are collected by the server that serves them, never by a CLI command's container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredApp } from '../../src/apps/register.ts';
import { loadConfig } from '../../src/config/index.ts';
import { buildContainer } from '../../src/container.ts';
import { createTestDatabase, testEngine } from '../support/database.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  startKeyturn,
} from '../support/keyturn.ts';
import { callbackBody, postSignedCallback } from '../support/maker-callbacks.ts';
import { productionEnv } from '../support/production.ts';
import {
  clearanceStatus,
  type GrantedClearance,
  grantClearance,
  introspect,
  type OemWorld,
  startKeyturnWithOem,
  startOemWorld,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/relay.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample named `name` whose labels include `labels` (0 when there is none). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  expect(found.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

async function scrape(url: string, token?: string): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(`${url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, samples: parseExposition(text) };
}

describe('GET /metrics › counts what Keyturn does', () => {
  let world: OemWorld;
  let keyturn: RunningKeyturn;
  let receiver: WebhookReceiver;
  let app: RegisteredApp;
  let consumer: { client_id: string; client_secret: string };
  let granted: GrantedClearance;

  beforeAll(async () => {
    world = await startOemWorld();
    keyturn = await startKeyturnWithOem(world);
    receiver = await startWebhookReceiver();
    app = await registerTestApp(keyturn, { webhookUrl: receiver.url });
    consumer = await registerTestConsumer(keyturn);
  });
  afterAll(async () => {
    await keyturn?.close();
    await receiver?.close();
    await world?.simulator.close();
  });

  const bmwSecret = () => world.secrets.bmw?.webhookSecret ?? '';

  it('GET /metrics › counters move by exactly the requests, callbacks, webhooks and jobs that happened', async () => {
    const before = (await scrape(keyturn.url)).samples;

    granted = await grantClearance(keyturn, app, { email: 'metrics.owner@example.com' });
    await keyturn.worker.drain(); // the clearance request goes to the maker
    const approved = callbackBody('authorization_changed', granted.clearance, { status: 'approved' });
    const webhookId = 'msg_metrics_approved';
    const first = await postSignedCallback({
      issuer: keyturn.url,
      provider: 'bmw',
      secret: bmwSecret(),
      body: approved,
      id: webhookId,
    });
    expect(first.status).toBe(200);
    const again = await postSignedCallback({
      issuer: keyturn.url,
      provider: 'bmw',
      secret: bmwSecret(),
      body: approved,
      id: webhookId,
    });
    expect(again.status).toBe(200);
    const forged = await postSignedCallback({
      issuer: keyturn.url,
      provider: 'bmw',
      secret: `whsec_${Buffer.from('not the maker’s secret at all').toString('base64')}`,
      body: approved,
    });
    expect(forged.status).toBe(401);
    const receivedBefore = receiver.received.length;
    await keyturn.worker.drain(); // the app's webhook
    const delivered = receiver.received.length - receivedBefore;
    expect(delivered).toBeGreaterThanOrEqual(1);

    expect((await introspect(keyturn.url, consumer, granted.tokens.access_token)).active).toBe(true);
    expect((await introspect(keyturn.url, consumer, 'no-such-token')).active).toBe(false);
    expect((await introspect(keyturn.url, consumer, 'another-unknown-token')).active).toBe(false);

    await keyturn.repositories.outbox.enqueue('metrics_test_unknown_kind', {});
    const queued = (await scrape(keyturn.url)).samples;
    expect(sampleValue(queued, 'keyturn_outbox_jobs', { kind: 'metrics_test_unknown_kind' })).toBe(1);
    expect(
      sampleValue(queued, 'keyturn_outbox_oldest_job_age_seconds', { kind: 'metrics_test_unknown_kind' }),
    ).toBeGreaterThanOrEqual(0);
    await keyturn.worker.drain(); // no handler: given up on at once

    const after = await scrape(keyturn.url);
    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(after.samples, name, labels) - sampleValue(before, name, labels);

    expect(moved('keyturn_introspections_total', { outcome: 'active' })).toBe(1);
    expect(moved('keyturn_introspections_total', { outcome: 'inactive' })).toBe(2);
    expect(
      moved('keyturn_http_requests_total', { method: 'POST', route: '/token/introspection', status: '200' }),
    ).toBe(3);
    expect(
      moved('keyturn_http_request_duration_seconds_count', { method: 'POST', route: '/token/introspection' }),
    ).toBe(3);
    expect(moved('keyturn_callbacks_total', { provider: 'bmw', outcome: 'changed' })).toBe(1);
    expect(moved('keyturn_callbacks_total', { provider: 'bmw', outcome: 'duplicate' })).toBe(1);
    expect(moved('keyturn_callbacks_total', { provider: 'bmw', outcome: 'unauthorized' })).toBe(1);
    expect(
      moved('keyturn_http_requests_total', { method: 'POST', route: '/callbacks/:provider', status: '200' }),
    ).toBe(2);
    expect(
      moved('keyturn_http_requests_total', { method: 'POST', route: '/callbacks/:provider', status: '401' }),
    ).toBe(1);
    expect(
      moved('keyturn_webhook_deliveries_total', { kind: 'authorization_changed', outcome: 'delivered' }),
    ).toBe(delivered);
    expect(moved('keyturn_jobs_abandoned_total', { kind: 'metrics_test_unknown_kind' })).toBe(1);
    expect(sampleValue(after.samples, 'keyturn_outbox_jobs', { kind: 'metrics_test_unknown_kind' })).toBe(0);
    // One clearance, counted under the status it has now and no other.
    const status = await clearanceStatus(keyturn, granted.clearance.id);
    expect(sampleValue(after.samples, 'keyturn_clearances', { status })).toBe(1);
    const clearanceTotal = after.samples
      .filter((sample) => sample.name === 'keyturn_clearances')
      .reduce((sum, sample) => sum + sample.value, 0);
    expect(clearanceTotal).toBe(1);
    // Node's process metrics are there too.
    expect(sampleValue(after.samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // The journey's pages are counted under their template.
    const routes = new Set(
      after.samples.filter((s) => s.name === 'keyturn_http_requests_total').map((s) => s.labels.route),
    );
    expect([...routes].some((route) => route?.startsWith('/interaction/:uid'))).toBe(true);
  });

  it('GET /metrics › no label holds a VIN, a clearance id, an interaction id or a client id', async () => {
    const { text, samples } = await scrape(keyturn.url);
    for (const secret of [
      granted.vin,
      granted.clearance.id,
      granted.clearance.grantId,
      app.client_id,
      consumer.client_id,
    ])
      expect(text).not.toContain(secret);
    for (const sample of samples.filter((s) => s.labels.route !== undefined))
      expect(sample.labels.route).toMatch(
        /^(unmatched|\/(?:[A-Za-z._-]+|:[a-z]+|\*)?(?:\/(?:[A-Za-z._-]+|:[a-z]+|\*))*)$/,
      );
  });

  it('GET /metrics › shows the database pools on PostgreSQL and no pool gauge on SQLite (it has none)', async () => {
    const { samples } = await scrape(keyturn.url);
    const poolSamples = samples.filter((sample) => sample.name.startsWith('keyturn_db_pool_'));
    if (testEngine() === 'sqlite') {
      expect(poolSamples).toEqual([]);
      return;
    }
    for (const pool of ['main', 'reads'])
      for (const name of [
        'keyturn_db_pool_connections_used',
        'keyturn_db_pool_connections_free',
        'keyturn_db_pool_pending_acquires',
      ])
        expect(poolSamples.some((sample) => sample.name === name && sample.labels.pool === pool)).toBe(true);
    // The scrape itself read the outbox and the clearances, so the main pool has opened a connection.
    expect(
      sampleValue(samples, 'keyturn_db_pool_connections_used', { pool: 'main' }) +
        sampleValue(samples, 'keyturn_db_pool_connections_free', { pool: 'main' }),
    ).toBeGreaterThan(0);
  });

  it('GET /no-such-page › is counted as unmatched, not under its path', async () => {
    const before = (await scrape(keyturn.url)).samples;
    expect((await fetch(`${keyturn.url}/no-such-page-WBA8E9G50GNT12345`)).status).toBe(404);
    const after = await scrape(keyturn.url);
    expect(after.text).not.toContain('no-such-page');
    expect(
      sampleValue(after.samples, 'keyturn_http_requests_total', {
        method: 'GET',
        route: 'unmatched',
        status: '404',
      }) -
        sampleValue(before, 'keyturn_http_requests_total', {
          method: 'GET',
          route: 'unmatched',
          status: '404',
        }),
    ).toBe(1);
  });
});

describe('GET /metrics › protected in production', () => {
  const token = 'metrics-token-0123456789abcdef';

  it('GET /metrics › in production answers 401 without the bearer token, 401 with a wrong one, 200 with it', async () => {
    const keyturn = await startKeyturn({ ...productionEnv(), METRICS_TOKEN: token });
    try {
      const without = await fetch(`${keyturn.url}/metrics`, { headers: { accept: 'application/json' } });
      expect(without.status).toBe(401);
      expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await without.json()).toMatchObject({ error: 'invalid_token' });
      const wrong = await fetch(`${keyturn.url}/metrics`, {
        headers: { authorization: `Bearer ${token}x`, accept: 'application/json' },
      });
      expect(wrong.status).toBe(401);
      const german = await fetch(`${keyturn.url}/metrics`, {
        headers: { accept: 'application/json', 'accept-language': 'de' },
      });
      const english = await fetch(`${keyturn.url}/metrics`, { headers: { accept: 'application/json' } });
      expect(((await german.json()) as { error_description: string }).error_description).not.toBe(
        ((await english.json()) as { error_description: string }).error_description,
      );
      const { samples } = await scrape(keyturn.url, token);
      expect(
        sampleValue(samples, 'keyturn_http_requests_total', {
          method: 'GET',
          route: '/metrics',
          status: '401',
        }),
      ).toBe(4);
    } finally {
      await keyturn.close();
    }
  });

  it('GET /metrics › in production without METRICS_TOKEN answers 404', async () => {
    const keyturn = await startKeyturn(productionEnv());
    try {
      const response = await fetch(`${keyturn.url}/metrics`, { headers: { accept: 'application/json' } });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('keyturn_');
    } finally {
      await keyturn.close();
    }
  });

  it('GET /metrics › in tests with METRICS_TOKEN set the token is required too', async () => {
    const keyturn = await startKeyturn({ METRICS_TOKEN: token });
    try {
      expect((await fetch(`${keyturn.url}/metrics`)).status).toBe(401);
      await scrape(keyturn.url, token);
    } finally {
      await keyturn.close();
    }
  });
});

describe('GET /metrics › Node process metrics only where /metrics is served', () => {
  it('GET /metrics › the server shows process metrics, a container built as the CLI builds it has none', async () => {
    const database = await createTestDatabase();
    // The CLI's container: configuration → container, no web app on top.
    const cli = await buildContainer(loadConfig({ NODE_ENV: 'test', ...database.env }));
    const server = await startKeyturn({}, database);
    try {
      const served = (await scrape(server.url)).samples;
      expect(sampleValue(served, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

      const cliSamples = parseExposition(await cli.metrics.registry.metrics());
      expect(cliSamples.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(false);
      expect(cliSamples.some((sample) => sample.name.startsWith('nodejs_'))).toBe(false);
      // The same registry still holds Keyturn's own metrics, read from the same database.
      expect(cliSamples.some((sample) => sample.name === 'keyturn_clearances')).toBe(true);
      expect(cliSamples.some((sample) => sample.name === 'keyturn_outbox_jobs')).toBe(true);
    } finally {
      await cli.close();
      await server.close();
      await database.drop();
    }
  });
});
