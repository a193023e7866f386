// SQLite's file locked by another connection (a `keyturn worker`, the CLI, a backup) holding the write
// lock: no request may freeze the event loop waiting for it. A write waits asynchronously and completes
// once the lock is released; past SQLITE_LOCK_TIMEOUT_MS it fails with a clean 503 and changes nothing.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testEngine } from '../support/database.ts';
import { textOf } from '../support/http-browser.ts';
import { interactionBase, newBrowser, stepOf } from '../support/journey.ts';
import { type RunningKeyturn, registerTestApp, startKeyturn } from '../support/keyturn.ts';
import { message } from '../support/locales.ts';
import { until } from '../support/relay.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';

describe.runIf(testEngine() === 'sqlite')('SQLite locked by another connection', () => {
  let database: TestDatabase;
  let keyturn: RunningKeyturn;
  let other: Sqlite.Database | undefined;

  afterEach(async () => {
    if (other?.inTransaction) other.exec('ROLLBACK');
    other?.close();
    await keyturn?.close();
    await database?.drop();
  });

  async function start(env: Record<string, string> = {}) {
    database = await createTestDatabase();
    keyturn = await startKeyturn(env, database);
    other = new Sqlite(database.env.KEYTURN_SQLITE_FILE as string);
    other.pragma('busy_timeout = 0');
  }

  async function accountStep() {
    const config = await discover(keyturn.url, await registerTestApp(keyturn));
    const browser = newBrowser();
    const landing = await browser.follow((await authorizationRequest(config)).url);
    return { browser, page: await browser.follow(`${interactionBase(landing)}/account`) };
  }

  const settled = async (pending: Promise<unknown>) =>
    Promise.race([pending.then(() => true), new Promise((resolve) => setImmediate(() => resolve(false)))]);

  it('a write waits for the lock without freezing: liveness answers meanwhile, and the write completes after', async () => {
    await start();
    const { browser, page } = await accountStep();
    other?.exec('BEGIN IMMEDIATE');
    // Keyturn runs in this process: a statement waiting on the event loop would show as a long delay here.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const waitsBefore = keyturn.database.lockWaits();
    const submitting = browser.submit(page, {
      email: 'locked@example.com',
      country: 'DE',
      accept_terms: 'yes',
    });
    await until(
      async () => (keyturn.database.lockWaits() > waitsBefore ? true : undefined),
      'the write to wait for the lock',
    );

    const health = await fetch(`${keyturn.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await settled(submitting)).toBe(false);

    other?.exec('COMMIT');
    const done = await submitting;
    loopDelay.disable();
    expect(stepOf(done)).toBe('verify');
    // SQLite's own busy wait would block for its whole timeout; a second is far above any pause here.
    expect(loopDelay.max / 1e6).toBeLessThan(1_000);
  });

  it('a lock held past SQLITE_LOCK_TIMEOUT_MS fails the write with a clean, localized 503 and changes nothing', async () => {
    await start({ SQLITE_LOCK_TIMEOUT_MS: '200' });
    const { browser, page } = await accountStep();
    other?.exec('BEGIN IMMEDIATE');
    const refused = await browser.submit(page, {
      email: 'too.long@example.com',
      country: 'DE',
      accept_terms: 'yes',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(textOf(refused.html)).toContain(message('en', 'errors:database_unavailable'));
    other?.exec('COMMIT');
    expect(stepOf(await browser.follow(`${interactionBase(page)}/`))).toBe('landing');
  });
});
