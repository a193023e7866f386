// SQLite copies its write-ahead log back into the database file in checkpoints, and a checkpoint fsyncs.
// Left to SQLite, the commit that crosses the threshold runs it, blocking Keyturn's event loop on the disk
// while it does. Instead a worker thread with its own connection runs passive checkpoints, which never
// block writers.
//
// Under sustained writes a passive checkpoint never reaches the log's end (new commits land while it
// copies), so the log would grow until the writer's own automatic checkpoint, the far-off safety net,
// fsyncs on the event loop after all. When the log passes `restartPages`, the thread therefore asks the
// main thread to hold its writes for one more passive checkpoint: with nothing being appended it copies
// the whole log, and the next commit starts the log again from its beginning. Readers on other connections
// (introspection) are never held; writers wait for a few milliseconds, off the event loop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** WAL size (pages) at which the main connection checkpoints by itself after all. */
export const fallbackCheckpointPages = 20_000;

// Plain CommonJS so it runs the same under tsx and from dist/.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
let awaitingPause = false;
let lastLog = 0;
const checkpoint = () => {
  try {
    if (!db) {
      db = new Database(workerData.file, { fileMustExist: true });
      db.pragma('busy_timeout = 1000');
    }
    return db.pragma('wal_checkpoint(PASSIVE)')[0];
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message ? error.message : error) });
  }
};
const tick = () => {
  if (awaitingPause) return;
  const result = checkpoint();
  if (!result) return;
  // Only while the log is being written to: an idle log, copied to its end, starts over at the next commit.
  const growing = result.log > lastLog;
  lastLog = result.log;
  if (growing && result.log >= workerData.restartPages) {
    awaitingPause = true;
    parentPort.postMessage({ pause: true });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'paused' || message === 'not paused') {
    if (message === 'paused') checkpoint();
    awaitingPause = false;
    parentPort.postMessage({ resume: true });
    return;
  }
  clearInterval(timer);
  if (db) { checkpoint(); db.close(); }
  parentPort.close();
});
`;

/** Holds the main connection's writes until the returned release function is called. */
export type PauseWrites = () => Promise<() => void>;

export interface WalCheckpointerOptions {
  intervalMs?: number;
  /** Log size (pages) at which writes are held for a checkpoint that restarts the log. */
  restartPages?: number;
  /** Without it the log is only checkpointed passively. */
  pauseWrites?: PauseWrites;
  onError?: (message: string) => void;
}

export interface WalCheckpointer {
  stop(): Promise<void>;
}

type WorkerMessage = { error: string } | { pause: true } | { resume: true };

export function startWalCheckpointer(file: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      file,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: options.intervalMs ?? 250,
      restartPages: options.pauseWrites ? (options.restartPages ?? 4_000) : Number.POSITIVE_INFINITY,
    },
  });
  worker.unref();
  let release: (() => void) | undefined;
  let running = true;
  const resumeWrites = () => {
    release?.();
    release = undefined;
  };
  const holdWrites = async (pauseWrites: PauseWrites) => {
    try {
      release = await pauseWrites();
    } catch (error) {
      options.onError?.(`could not hold writes for a checkpoint: ${(error as Error).message}`);
      if (running) worker.postMessage('not paused');
      return;
    }
    if (running) worker.postMessage('paused');
    else resumeWrites();
  };
  worker.on('message', (message: WorkerMessage) => {
    if ('error' in message) options.onError?.(message.error);
    else if ('resume' in message) resumeWrites();
    else if (options.pauseWrites) void holdWrites(options.pauseWrites);
  });
  worker.on('error', (error: Error) => options.onError?.(error.message));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      running = false;
      resumeWrites();
      resolve();
    }),
  );
  return {
    async stop() {
      // Unreferenced, the worker never holds a process open; while stopping it must, or awaiting its exit
      // could leave nothing for the event loop to wait on (the process would end mid-await).
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
