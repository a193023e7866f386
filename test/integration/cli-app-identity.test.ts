// `keyturn apps add` with the links an app shows on the consent journey: its privacy policy, its terms and
// its logo. Only https is accepted (plain http only on localhost outside production), every problem is
// listed on stderr, and nothing is stored on bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyturnCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { type RunningKeyturn, startKeyturn } from '../support/keyturn.ts';
import { productionEnv } from '../support/production.ts';

const addApp = (...links: string[]) => [
  'apps',
  'add',
  '--name',
  'Range Planner',
  '--redirect-uri',
  'https://planner.example/callback',
  '--brand',
  'bmw',
  '--scope',
  'location',
  ...links,
];

describe('keyturn apps add › identity links', () => {
  let database: TestDatabase;
  let keyturn: RunningKeyturn;

  beforeAll(async () => {
    database = await createTestDatabase();
    keyturn = await startKeyturn({}, database);
  });
  afterAll(async () => {
    await keyturn?.close();
    await database?.drop();
  });

  it('keyturn apps add --privacy-url --terms-url --logo-url › stores the links; apps list shows them', async () => {
    const added = await keyturnCli(
      database,
      addApp(
        '--privacy-url',
        'https://planner.example/privacy',
        '--terms-url',
        'https://planner.example/terms',
        '--logo-url',
        'https://planner.example/logo.png',
      ),
    );
    expect(added.code, added.stderr).toBe(0);
    const { client_id } = JSON.parse(added.stdout) as { client_id: string };
    const stored = await keyturn.repositories.apps.find(client_id);
    expect(stored).toMatchObject({
      privacyUrl: 'https://planner.example/privacy',
      termsUrl: 'https://planner.example/terms',
      logoUri: 'https://planner.example/logo.png',
    });
    const listed = await keyturnCli(database, ['apps', 'list']);
    const shown = (JSON.parse(listed.stdout) as Record<string, unknown>[]).find(
      (app) => app.client_id === client_id,
    );
    expect(shown).toMatchObject({
      privacy_url: 'https://planner.example/privacy',
      terms_url: 'https://planner.example/terms',
      logo_uri: 'https://planner.example/logo.png',
    });
  });

  it('keyturn apps add › without links, the app has none (null)', async () => {
    const added = await keyturnCli(database, addApp());
    expect(added.code, added.stderr).toBe(0);
    const { client_id } = JSON.parse(added.stdout) as { client_id: string };
    expect(await keyturn.repositories.apps.find(client_id)).toMatchObject({
      privacyUrl: null,
      termsUrl: null,
      logoUri: null,
    });
  });

  it('keyturn apps add › an http link to another host and a non-URL are refused, each named, with the other problems; nothing is stored', async () => {
    const before = await keyturn.repositories.apps.list();
    const refused = await keyturnCli(database, [
      ...addApp('--privacy-url', 'http://planner.example/privacy', '--terms-url', 'terms'),
      '--brand',
      'tesla',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('--privacy-url http://planner.example/privacy must use https');
    expect(refused.stderr).toContain('--terms-url terms is not an absolute URL');
    expect(refused.stderr).toContain('unknown brand tesla');
    expect(await keyturn.repositories.apps.list()).toEqual(before);
  });

  it('keyturn apps add › outside production, http links on localhost are accepted', async () => {
    const added = await keyturnCli(
      database,
      addApp('--privacy-url', 'http://localhost:4000/privacy', '--terms-url', 'http://127.0.0.1:4000/terms'),
    );
    expect(added.code, added.stderr).toBe(0);
    const { client_id } = JSON.parse(added.stdout) as { client_id: string };
    expect((await keyturn.repositories.apps.find(client_id))?.privacyUrl).toBe(
      'http://localhost:4000/privacy',
    );
  });

  it('keyturn apps add › in production, an http link on localhost is refused', async () => {
    const before = await keyturn.repositories.apps.list();
    const refused = await keyturnCli(
      database,
      addApp('--terms-url', 'http://localhost:4000/terms'),
      productionEnv(),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--terms-url http://localhost:4000/terms must use https');
    expect(await keyturn.repositories.apps.list()).toEqual(before);
  });
});
