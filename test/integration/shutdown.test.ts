// Stopping a Keyturn server (SIGTERM, as an orchestrator does): it stops accepting, lets the requests under
// way finish, and exits 0. Run as a real process (`src/main.ts`), its mail held at a real SMTP peer so
// that eight requests are provably under way when the signal arrives.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApp } from '../../src/apps/register.ts';
import { openDatabase } from '../../src/db/index.ts';
import { appsRepository } from '../../src/storage/apps.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { interactionBase, newBrowser } from '../support/journey.ts';
import { testRedirectUri } from '../support/keyturn.ts';
import { authorizationRequest, discover } from '../support/relying-party.ts';
import { type SmtpPeer, startSmtpPeer } from '../support/smtp-peer.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`keyturn exited with ${child.exitCode} before it was ready`);
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('keyturn did not become healthy');
}

describe('graceful shutdown', () => {
  let database: TestDatabase;
  let smtp: SmtpPeer;

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpPeer();
  });
  afterAll(async () => {
    smtp.release();
    await smtp?.close();
    await database?.drop();
  });

  it('SIGTERM › eight requests under way all get their answer, and the process exits 0', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        PORT: String(port),
        ISSUER: url,
        KEYTURN_DEV_TOOLS: 'false',
        SMTP_URL: `${smtp.url}?pool=false`,
        CODE_MAILS_PER_ADDRESS: '100',
        ...database.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitForHealth(url, child);
      const db = openDatabase({
        databaseUrl: database.env.DATABASE_URL,
        sqliteFile: database.env.KEYTURN_SQLITE_FILE ?? '',
      });
      const app = await registerApp(
        appsRepository(db),
        { name: 'Shutdown App', redirectUris: [testRedirectUri], brands: ['bmw'], scopes: ['location'] },
        { allowPrivateTargets: true, requireHttps: false },
      );
      await db.close();
      const config = await discover(url, app);
      const journeys = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const browser = newBrowser();
          const landing = await browser.follow(
            (await authorizationRequest(config, { scope: 'location' })).url,
          );
          return { browser, page: await browser.follow(`${interactionBase(landing)}/account`) };
        }),
      );

      smtp.hold();
      // Sent as single requests: the redirect after each answer would be a new request, which is refused.
      const answers = journeys.map(({ browser, page }, n) => {
        const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1];
        return browser.request(page.url, {
          method: 'POST',
          form: { csrf, email: `shutdown${n}@example.com`, country: 'DE', accept_terms: 'yes' },
        });
      });
      await smtp.holding(8);
      child.kill('SIGTERM');
      // Stopped accepting: a new connection is refused while the eight wait for their mail.
      await expect
        .poll(() =>
          fetch(`${url}/healthz`).then(
            () => 'accepted',
            () => 'refused',
          ),
        )
        .toBe('refused');
      smtp.release();
      const pages = await Promise.all(answers);
      expect(pages.map((page) => [page.status, page.headers.get('location')?.split('/').at(-1)])).toEqual(
        Array(8).fill([303, 'verify']),
      );
      expect(await exited, output).toBe(0);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- keyturn's output ---\n${output}`, { cause: error });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
