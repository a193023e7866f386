// The background checkpointer copies the write-ahead log into the database file while the writer's own
// automatic checkpoints are off, so commits never wait for the disk; under sustained writes it holds them
// briefly so the log can start over.
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Sqlite from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { type PauseWrites, startWalCheckpointer } from '../../src/db/sqlite/wal-checkpointer.ts';

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

/** The log header's checkpoint sequence number: it counts the times the log started over. */
function logGeneration(file: string): number {
  const header = Buffer.alloc(4);
  const fd = openSync(`${file}-wal`, 'r');
  try {
    readSync(fd, header, 0, 4, 12);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(0);
}

/**
 * Commits at least 2 MB in small transactions, yielding between batches as a server would, and honouring a
 * write hold the way the pooled connection does (no transaction starts while it is held). For each hold it
 * records whether the log had started over by the first commit after it (when one came before the next
 * hold).
 */
async function sustainedWrites(file: string, options: { hold: boolean; minBatches: number }) {
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table rows (id integer primary key, body text)');
  const insert = db.prepare('insert into rows (body) values (?)');
  let held: Promise<void> | undefined;
  let holds = 0;
  let generationAtHold: number | undefined;
  let restartedAfterHold = 0;
  let checkedHolds = 0;
  const hold: PauseWrites = async () => {
    holds++;
    generationAtHold = logGeneration(file);
    let release = () => {};
    held = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      held = undefined;
      release();
    };
  };
  const commit = () => {
    insert.run('x'.repeat(1000));
    if (generationAtHold === undefined) return;
    checkedHolds++;
    if (logGeneration(file) > generationAtHold) restartedAfterHold++;
    generationAtHold = undefined;
  };
  const checkpointer = startWalCheckpointer(file, {
    intervalMs: 5,
    restartPages: 100,
    ...(options.hold ? { pauseWrites: hold } : {}),
  });
  // Start once the thread has checkpointed for the first time (it opens its connection lazily).
  const started = statSync(file).size;
  commit();
  if (!(await eventually(() => statSync(file).size > started))) throw new Error('no checkpoint');
  // At least `minBatches`, and with the hold until it was taken a few times (a busy machine ticks slower).
  let batches = 0;
  for (; batches < options.minBatches || (options.hold && holds < 4 && batches < 5_000); batches++) {
    for (let i = 0; i < 20; i++) commit();
    await new Promise((resolve) => setImmediate(resolve));
    while (held) await held;
  }
  await checkpointer.stop();
  const walBytes = statSync(`${file}-wal`).size;
  db.close();
  return { walBytes, holds, checkedHolds, restartedAfterHold, batches };
}

test('under sustained writes, holding them for one checkpoint now and then makes the log start over', async () => {
  const held = await sustainedWrites(join(folder, 'restarted.sqlite'), { hold: true, minBatches: 100 });
  const notHeld = await sustainedWrites(join(folder, 'growing.sqlite'), {
    hold: false,
    minBatches: held.batches,
  });
  const figures = JSON.stringify({ held, notHeld });
  expect(held.checkedHolds, figures).toBeGreaterThan(2);
  // The log started over by the first commit after each hold. Checked hold by hold: how often a passive
  // checkpoint happens to catch up on its own depends on the machine's speed, so comparing counts of
  // restarts with the unheld run is not reliable. A hold followed by another before any commit (or by
  // none, at the end) has no first commit of its own to check; on a busy machine that happened to 2 of 16.
  expect(held.restartedAfterHold, figures).toBe(held.checkedHolds);
  // Without pauseWrites the thread never asks for a hold.
  expect(notHeld.holds, figures).toBe(0);
});

test('a hold that cannot be taken is reported, and checkpoints go on', async () => {
  const file = join(folder, 'refused-hold.sqlite');
  const db = writtenWithoutCheckpoints(file);
  const messages: string[] = [];
  let attempts = 0;
  const checkpointer = startWalCheckpointer(file, {
    intervalMs: 5,
    restartPages: 1,
    pauseWrites: async () => {
      attempts++;
      throw new Error('pool closed');
    },
    onError: (message) => messages.push(message),
  });
  const insert = db.prepare('insert into rows (body) values (?)');
  const writingUntil = (done: () => boolean) =>
    eventually(() => {
      insert.run('y'.repeat(1000));
      return done();
    });
  expect(await writingUntil(() => attempts >= 3)).toBe(true);
  await checkpointer.stop();
  db.close();
  expect(messages[0]).toMatch(/could not hold writes for a checkpoint: pool closed/);
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
  const module = fileURLToPath(new URL('../../src/db/sqlite/wal-checkpointer.ts', import.meta.url));
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
