// SQLite copies its write-ahead log back into the database file in checkpoints, and a checkpoint fsyncs.
// Left to SQLite, the commit that crosses the threshold runs it, blocking Keyturn's event loop on the disk
// (measured: 10–15% of a busy core spent in I/O wait under callbacks). Instead a worker thread with its own
// connection runs passive checkpoints, which never block writers; the main connection's own automatic
// checkpoint stays as a far-off safety net in case this thread falls behind.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** WAL size (pages) at which the main connection checkpoints by itself after all. */
export const fallbackCheckpointPages = 20_000;

// Plain CommonJS so it runs the same under tsx and from dist/.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
const checkpoint = () => {
  try {
    if (!db) {
      db = new Database(workerData.file, { fileMustExist: true });
      db.pragma('busy_timeout = 1000');
    }
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message ? error.message : error));
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); if (db) { checkpoint(); db.close(); } parentPort.close(); });
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

export function startWalCheckpointer(
  file: string,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): WalCheckpointer {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      file,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: options.intervalMs ?? 250,
    },
  });
  worker.unref();
  worker.on('message', (message: string) => options.onError?.(message));
  worker.on('error', (error: Error) => options.onError?.(error.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
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
