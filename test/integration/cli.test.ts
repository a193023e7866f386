// The operator's `keyturn` command, run as a real child process against the test database: JSON on stdout,
// every problem on stderr with a non-zero exit, nothing stored on bad input.
import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyturnCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { clientCredentialsToken } from '../support/fleet.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { productionEnv } from '../support/production.ts';

const appWithWebhook = (webhookUrl: string) => [
  'apps',
  'add',
  '--name',
  'Fleet Manager',
  '--redirect-uri',
  'https://fleet.example/callback',
  '--brand',
  'bmw',
  '--scope',
  'location',
  '--webhook-url',
  webhookUrl,
];

describe('keyturn CLI', () => {
  let database: TestDatabase;
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A running Keyturn on the same database: it migrates it first and shows what the CLI stored.
    keyturn = await startKeyturn({}, database);
  });
  afterAll(async () => {
    await keyturn?.close();
    await database?.drop();
  });

  it('keyturn apps add › prints one JSON object with the credentials; apps list shows the app without secrets', async () => {
    const added = await keyturnCli(database, [
      'apps',
      'add',
      '--name',
      'Fleet Manager',
      '--redirect-uri',
      'https://fleet.example/callback',
      '--redirect-uri',
      'http://127.0.0.1:8080/callback',
      '--brand',
      'bmw',
      '--brand',
      'mini',
      '--scope',
      'location',
      '--scope',
      'mileage',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const credentials = JSON.parse(added.stdout) as Record<string, string>;
    expect(Object.keys(credentials).sort()).toEqual(['client_id', 'client_secret', 'webhook_secret']);
    expect(credentials.webhook_secret).toMatch(/^whsec_/);

    const listed = await keyturnCli(database, ['apps', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    const apps = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(apps.find((app) => app.client_id === credentials.client_id)).toMatchObject({
      name: 'Fleet Manager',
      redirect_uris: ['https://fleet.example/callback', 'http://127.0.0.1:8080/callback'],
      brands: ['bmw', 'mini'],
      scopes: ['location', 'mileage'],
    });
    expect(listed.stdout).not.toContain(credentials.client_secret);
    expect(listed.stdout).not.toContain(credentials.webhook_secret);
    expect(listed.stdout).not.toMatch(/secret/i);
  });

  it('keyturn fleets add › prints {fleet_id, client_id, client_secret, webhook_secret}; the credentials get a fleet API token; fleets list shows no secret', async () => {
    const added = await keyturnCli(database, [
      'fleets',
      'add',
      '--name',
      'Rent-a-Fleet',
      '--admin-email',
      'Ops@Rent-a-Fleet.example',
      '--webhook-url',
      'https://fleet.example/webhooks',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const credentials = JSON.parse(added.stdout) as Record<string, string>;
    expect(Object.keys(credentials).sort()).toEqual([
      'client_id',
      'client_secret',
      'fleet_id',
      'webhook_secret',
    ]);
    expect(credentials.webhook_secret).toMatch(/^whsec_/);
    const token = await clientCredentialsToken(keyturn.url, {
      client_id: credentials.client_id as string,
      client_secret: credentials.client_secret as string,
    });
    const vehicles = await fetch(`${keyturn.url}/v1/fleet/vehicles`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(vehicles.status).toBe(200);

    const listed = await keyturnCli(database, ['fleets', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    const fleets = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(fleets.find((fleet) => fleet.fleet_id === credentials.fleet_id)).toMatchObject({
      client_id: credentials.client_id,
      name: 'Rent-a-Fleet',
      admin_email: 'ops@rent-a-fleet.example',
      webhook_url: 'https://fleet.example/webhooks',
      webhook_disabled: null,
    });
    expect(listed.stdout).not.toMatch(/secret/i);
  });

  it('keyturn fleets add › exits non-zero on invalid input, lists every problem and stores nothing', async () => {
    const before = await keyturn.repositories.fleets.list();
    const refused = await keyturnCli(database, [
      'fleets',
      'add',
      '--admin-email',
      'not-an-address',
      '--webhook-url',
      'ftp://fleet.example/hook',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('name must not be empty');
    expect(refused.stderr).toContain('--admin-email must be an email address');
    expect(refused.stderr).toContain('ftp://fleet.example/hook');
    expect(await keyturn.repositories.fleets.list()).toEqual(before);
  });

  it('keyturn apps add › exits non-zero on invalid input, lists every problem on stderr and stores nothing', async () => {
    const before = await keyturn.repositories.apps.list();
    const refused = await keyturnCli(database, [
      'apps',
      'add',
      '--redirect-uri',
      'http://app.example/callback',
      '--brand',
      'tesla',
      '--scope',
      'teleportation',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('name must not be empty');
    expect(refused.stderr).toContain('http://app.example/callback');
    expect(refused.stderr).toContain('unknown brand tesla');
    expect(refused.stderr).toContain('unknown data point teleportation');
    expect(await keyturn.repositories.apps.list()).toEqual(before);
  });

  it.each([
    [
      'https://169.254.169.254/… (the cloud metadata address)',
      'https://169.254.169.254/latest/meta-data',
      'webhook URL https://169.254.169.254/latest/meta-data: 169.254.169.254 is link-local; webhooks may only go to public internet addresses',
    ],
    [
      'https://10.0.0.1/… (a private address)',
      'https://10.0.0.1/hook',
      'webhook URL https://10.0.0.1/hook: 10.0.0.1 is private; webhooks may only go to public internet addresses',
    ],
    [
      'https://localhost/… (a host name that resolves to loopback)',
      'https://localhost/hook',
      'webhook URL https://localhost/hook: localhost resolves to',
    ],
    [
      'http://93.184.216.34/… (plain http)',
      'http://93.184.216.34/hook',
      'webhook URL http://93.184.216.34/hook must use https',
    ],
  ])(
    'keyturn apps add › in production, --webhook-url %s is refused on stderr and nothing is stored',
    async (_, url, problem) => {
      const before = await keyturn.repositories.apps.list();
      const refused = await keyturnCli(database, appWithWebhook(url), productionEnv());
      expect(refused.code).not.toBe(0);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`  - ${problem}`);
      expect(await keyturn.repositories.apps.list()).toEqual(before);
    },
  );

  it('keyturn apps add › in production, an https webhook to a public address is accepted', async () => {
    const added = await keyturnCli(database, appWithWebhook('https://93.184.216.34/hook'), productionEnv());
    expect(added.code, added.stderr).toBe(0);
    const { client_id } = JSON.parse(added.stdout) as { client_id: string };
    expect((await keyturn.repositories.apps.find(client_id))?.webhookUrl).toBe('https://93.184.216.34/hook');
  });

  it('keyturn apps rotate-webhook-secret › prints client_id, the new webhook_secret and when the previous secret stops signing (a day by default)', async () => {
    const app = await registerTestApp(keyturn);
    const started = Date.now();
    const rotated = await keyturnCli(database, ['apps', 'rotate-webhook-secret', '--app', app.client_id]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const output = JSON.parse(rotated.stdout) as Record<string, string>;
    expect(Object.keys(output).sort()).toEqual(['client_id', 'previous_secret_expires_at', 'webhook_secret']);
    expect(output.client_id).toBe(app.client_id);
    expect(output.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(output.webhook_secret).not.toBe(app.webhook_secret);
    expect(output.previous_secret_expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const expiresAt = Date.parse(output.previous_secret_expires_at ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(started + 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect((await keyturn.repositories.apps.find(app.client_id))?.webhookSecrets).toEqual({
      current: output.webhook_secret,
      previous: app.webhook_secret,
      previousExpiresAt: expiresAt,
    });

    const shorter = await keyturnCli(database, [
      'apps',
      'rotate-webhook-secret',
      '--app',
      app.client_id,
      '--overlap',
      '60',
    ]);
    expect(shorter.code, shorter.stderr).toBe(0);
    const { previous_secret_expires_at } = JSON.parse(shorter.stdout) as Record<string, string>;
    expect(Date.parse(previous_secret_expires_at ?? '')).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(Date.parse(previous_secret_expires_at ?? '')).toBeGreaterThan(Date.now() + 50_000);
  });

  it('keyturn apps rotate-webhook-secret › an unknown app or a bad overlap exits non-zero with a clear error and changes nothing', async () => {
    const app = await registerTestApp(keyturn);
    const before = await keyturn.repositories.apps.list();
    const [unknown, badOverlap] = await Promise.all([
      keyturnCli(database, ['apps', 'rotate-webhook-secret', '--app', 'app_nobody']),
      keyturnCli(database, ['apps', 'rotate-webhook-secret', '--app', app.client_id, '--overlap', '1d']),
    ]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain(
      'keyturn: unknown app\n  - no app with client_id app_nobody (see keyturn apps list)\n',
    );
    expect(badOverlap.code).not.toBe(0);
    expect(badOverlap.stdout).toBe('');
    expect(badOverlap.stderr).toContain('the overlap must be a whole number of seconds from 0 to 2592000');
    expect(await keyturn.repositories.apps.list()).toEqual(before);
  });

  it('keyturn apps enable-webhook › an endpoint disabled after 410 Gone shows in apps list and is enabled again', async () => {
    const app = await registerTestApp(keyturn, {
      name: 'Gone Fleet',
      webhookUrl: 'http://127.0.0.1:9/hooks',
    });
    await keyturn.repositories.apps.disableWebhook(
      app.client_id,
      'http://127.0.0.1:9/hooks answered 410 Gone',
    );
    const listed = async () =>
      (
        JSON.parse((await keyturnCli(database, ['apps', 'list'])).stdout) as Array<Record<string, unknown>>
      ).find((row) => row.client_id === app.client_id);
    expect((await listed())?.webhook_disabled).toMatchObject({
      reason: 'http://127.0.0.1:9/hooks answered 410 Gone',
    });

    const enabled = await keyturnCli(database, ['apps', 'enable-webhook', '--app', app.client_id]);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(JSON.parse(enabled.stdout)).toEqual({ client_id: app.client_id, webhook_enabled: true });
    expect((await listed())?.webhook_disabled).toBeNull();

    const unknown = await keyturnCli(database, ['apps', 'enable-webhook', '--app', 'app_nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no app app_nobody');
  });

  it('keyturn jobs list › counts the jobs by state and lists the abandoned ones with their error', async () => {
    const outbox = keyturn.repositories.outbox;
    // Jobs queued by earlier commands (a new fleet's invitation mail) are done first, so the probe is claimed.
    await keyturn.worker.drain();
    await outbox.enqueue('cli_probe', { n: 1 });
    await outbox.enqueue('cli_probe', { n: 2 });
    const [claimed] = await outbox.claim(1, 60_000);
    await outbox.abandon(claimed?.id as number, 'the maker refused it');
    const run = await keyturnCli(database, ['jobs', 'list', '--state', 'abandoned', '--kind', 'cli_probe']);
    expect(run.code, run.stderr).toBe(0);
    const listed = JSON.parse(run.stdout) as {
      counts: Record<string, number>;
      jobs: Array<Record<string, unknown>>;
    };
    expect(Object.keys(listed.counts).sort()).toEqual(['abandoned', 'done', 'retrying', 'waiting']);
    expect(listed.counts.abandoned).toBeGreaterThanOrEqual(1);
    expect(listed.counts.waiting).toBeGreaterThanOrEqual(1);
    expect(listed.jobs).toHaveLength(1);
    expect(listed.jobs[0]).toMatchObject({
      id: claimed?.id,
      kind: 'cli_probe',
      state: 'abandoned',
      attempts: 1,
      last_error: 'abandoned: the maker refused it',
    });
    const refused = await keyturnCli(database, ['jobs', 'list', '--state', 'stuck']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--state must be one of');
  });

  it('keyturn consumers add › prints client_id and client_secret; that consumer can introspect', async () => {
    const added = await keyturnCli(database, ['consumers', 'add', '--name', 'Telematics backend']);
    expect(added.code, added.stderr).toBe(0);
    const credentials = JSON.parse(added.stdout) as Record<string, string>;
    expect(Object.keys(credentials).sort()).toEqual(['client_id', 'client_secret']);

    const asConsumer = (secret: string) =>
      oauth.discovery(
        new URL(keyturn.url),
        credentials.client_id as string,
        undefined,
        oauth.ClientSecretBasic(secret),
        {
          execute: [oauth.allowInsecureRequests],
        },
      );
    const consumer = await asConsumer(credentials.client_secret as string);
    expect(await oauth.tokenIntrospection(consumer, 'an-unknown-token')).toStrictEqual({ active: false });
    const impostor = await asConsumer('not-the-secret');
    await expect(oauth.tokenIntrospection(impostor, 'an-unknown-token')).rejects.toMatchObject({
      status: 401,
    });
  });

  it('keyturn migrate › migrates a fresh database and prints the applied migrations as JSON', async () => {
    const fresh = await createTestDatabase();
    try {
      const migrated = await keyturnCli(fresh, ['migrate']);
      expect(migrated.code, migrated.stderr).toBe(0);
      const output = JSON.parse(migrated.stdout) as { applied: string[] };
      expect(output.applied.length).toBeGreaterThan(0);
      for (const name of output.applied) expect(name).toMatch(/^\d{14}_[a-z0-9_]+$/);
    } finally {
      await fresh.drop();
    }
  });
});
