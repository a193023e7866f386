// The background checkpointer copies the write-ahead log into the database file while the writer's own
// automatic checkpoints are off, so commits never wait for the disk.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Sqlite from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { startWalCheckpointer } from '../../src/storage/wal-checkpointer.ts';

const folder = mkdtempSync(join(tmpdir(), 'keyturn-wal-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A database whose writer never checkpoints, with about 500 KB committed to the log. */
function writtenWithoutCheckpoints(file: string) {
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table rows (id integer primary key, body text)');
  const insert = db.prepare('insert into rows (body) values (?)');
  for (let i = 0; i < 500; i++) insert.run('x'.repeat(1000));
  return db;
}

async function eventually(condition: () => boolean, ms = 5000) {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  return condition();
}

test('committed pages reach the database file without the writer checkpointing', async () => {
  const file = join(folder, 'checkpointed.sqlite');
  const db = writtenWithoutCheckpoints(file);
  const before = statSync(file).size;
  expect(statSync(`${file}-wal`).size).toBeGreaterThan(400_000);

  const checkpointer = startWalCheckpointer(file, { intervalMs: 20 });
  expect(await eventually(() => statSync(file).size > before + 400_000)).toBe(true);
  await checkpointer.stop();
  db.close();
});

test('without it the pages stay in the log (the comparison the test above relies on)', async () => {
  const file = join(folder, 'not-checkpointed.sqlite');
  const db = writtenWithoutCheckpoints(file);
  const before = statSync(file).size;
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(statSync(file).size).toBe(before);
  db.close();
});

test('errors are reported, not thrown', async () => {
  const messages: string[] = [];
  const checkpointer = startWalCheckpointer(join(folder, 'missing.sqlite'), {
    intervalMs: 20,
    onError: (message) => messages.push(message),
  });
  expect(await eventually(() => messages.length > 0)).toBe(true);
  expect(messages[0]).toMatch(/unable to open database/i);
  await checkpointer.stop();
});

test('stopping it in a process with nothing else to wait for finishes the await (exit code 0, not 13)', async () => {
  const file = join(folder, 'stop.sqlite');
  writtenWithoutCheckpoints(file).close();
  const script = join(folder, 'stop.mts');
  const module = fileURLToPath(new URL('../../src/storage/wal-checkpointer.ts', import.meta.url));
  writeFileSync(
    script,
    `import { startWalCheckpointer } from ${JSON.stringify(module)};
const checkpointer = startWalCheckpointer(${JSON.stringify(file)}, { intervalMs: 10 });
await checkpointer.stop();
console.log('stopped');`,
  );
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  expect(stdout.trim()).toBe('stopped');
});
