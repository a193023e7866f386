// The database going away and coming back: PostgreSQL's backends terminated (as in a restart or failover)
// or the database gone; SQLite's file locked by another process. Keyturn keeps serving: a request that
// loses its connection fails with a clean 503, the next ones reconnect, liveness never touches the
// database, and readiness says what is wrong as JSON.
import knex from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSource } from '../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import {
  type RunningKeyturn,
  registerTestApp,
  registerTestConsumer,
  startKeyturn,
  testRedirectUri,
} from '../support/keyturn.ts';
import { grantClearance, introspect } from '../support/relay.ts';

const serverUrl = () => process.env.KEYTURN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Ends every other connection to the test database, as a PostgreSQL restart or failover does. */
async function terminateBackends(databaseUrl: string): Promise<number> {
  const admin = knex({ client: 'pg', connection: serverUrl(), pool: { min: 0, max: 1 } });
  try {
    const name = new URL(databaseUrl).pathname.slice(1);
    const result = await admin.raw(
      'select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = ? and pid <> pg_backend_pid()',
      [name],
    );
    return Number(result.rows[0].n);
  } finally {
    await admin.destroy();
  }
}

describe('database outages', () => {
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

  it('GET /healthz › answers liveness as JSON without asking the database', async () => {
    const response = await fetch(`${keyturn.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz › ready when the database answers and every migration is applied', async () => {
    const response = await fetch(`${keyturn.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'current' },
    });
  });

  it('GET /readyz › 503 with migrations pending while a migration is missing', async () => {
    const knexOf = keyturn.database.query();
    const [, newest] = [0, (await migrationSource.getMigrations([])).at(-1) as string];
    await knexOf.migrate.down({ migrationSource, name: migrationSource.getMigrationName(newest) });
    try {
      const response = await fetch(`${keyturn.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: 'not_ready',
        checks: { database: 'ok', migrations: 'pending' },
      });
    } finally {
      await knexOf.migrate.latest({ migrationSource });
    }
  });

  it.runIf(testEngine() === 'postgres')(
    'PostgreSQL restart › terminated backends do not end the process; the next requests reconnect',
    async () => {
      const app = await registerTestApp(keyturn);
      const consumer = await registerTestConsumer(keyturn);
      const granted = await grantClearance(keyturn, app, { email: 'outage@example.com' });
      // Both the hot reads and the query builder hold connections now.
      expect(await introspect(keyturn.url, consumer, granted.tokens.access_token)).toEqual({ active: false });
      expect(await terminateBackends(database.env.DATABASE_URL as string)).toBeGreaterThan(0);
      // Let the terminated connections' errors arrive (an unhandled one would end this process).
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const answers: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${keyturn.url}/token/introspection`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${consumer.client_id}:${consumer.client_secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ token: granted.tokens.access_token }).toString(),
        });
        answers.push(response.status);
      }
      expect(answers.at(-1)).toBe(200);
      expect(answers.every((status) => status === 200 || status === 503)).toBe(true);
      expect((await fetch(`${keyturn.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${keyturn.url}/account/sign-in`)).status).toBe(200);
    },
  );
});

describe.runIf(testEngine() === 'postgres')('database gone', () => {
  it('GET /readyz › 503 database unreachable while liveness stays 200 and pages answer a clean localized 503', async () => {
    const database = await createTestDatabase();
    const keyturn = await startKeyturn({}, database);
    try {
      await database.drop();
      expect((await fetch(`${keyturn.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${keyturn.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'not_ready',
        checks: { database: 'unreachable', migrations: 'unknown' },
      });
      const page = await fetch(`${keyturn.url}/account/password?token=${'x'.repeat(40)}`, {
        headers: { 'accept-language': 'de' },
      });
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('1');
      expect(await page.text()).toContain('Keyturn erreicht seine Datenbank gerade nicht');
    } finally {
      await keyturn.close();
    }
  });
  it('POST /token and GET /auth › 503 with Retry-After, not 500 server_error: temporarily_unavailable as JSON, the localized page in a browser', async () => {
    const database = await createTestDatabase();
    const keyturn = await startKeyturn({}, database);
    try {
      const app = await registerTestApp(keyturn);
      await database.drop();
      const token = await fetch(`${keyturn.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'x'.repeat(43),
          redirect_uri: testRedirectUri,
          code_verifier: 'v'.repeat(43),
        }).toString(),
      });
      expect(token.status).toBe(503);
      expect(token.headers.get('retry-after')).toBe('1');
      expect(await token.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the authorization server cannot reach its database; try again',
      });
      const authorization = new URL('/auth', keyturn.url);
      authorization.search = new URLSearchParams({
        client_id: app.client_id,
        response_type: 'code',
        redirect_uri: testRedirectUri,
        scope: 'location',
        code_challenge: 'c'.repeat(43),
        code_challenge_method: 'S256',
      }).toString();
      const page = await fetch(authorization, {
        headers: { accept: 'text/html', 'accept-language': 'de' },
        redirect: 'manual',
      });
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('1');
      expect(await page.text()).toContain('Keyturn erreicht seine Datenbank gerade nicht');
    } finally {
      await keyturn.close();
    }
  });
});
