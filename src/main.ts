// Keyturn's server process: configuration → container → web app → listen. Runs the outbox worker
// in-process (unless KEYTURN_RUN_WORKER=false) and the housekeeping. On SIGTERM or SIGINT it stops
// accepting connections, stops the OEM simulator's cars and callbacks, lets the requests under way finish
// (for up to SHUTDOWN_GRACE), lets the worker finish the jobs under way, closes the pools and exits 0.
import type { Server } from 'node:http';
import { configOrExit } from './config/index.ts';
import { buildContainer } from './container.ts';
import { scheduleHousekeeping } from './housekeeping.ts';
import { buildHttpApp } from './http/app.ts';

const config = configOrExit();
const container = await buildContainer(config);
const { logger } = container;
const { app, simulator } = await buildHttpApp(container);

const server = app.listen(config.port, config.host, () => {
  logger.info(
    { issuer: config.issuer, engine: container.database.engine, devTools: config.devTools },
    'keyturn listening',
  );
  if (config.devTools) {
    process.stdout.write(
      `\n  Keyturn is running: ${config.issuer}/demo (demo app; FAPI 2.0 variant at /demo-fapi), ${config.issuer}/dev/mailbox (dev mailbox)\n\n`,
    );
  }
});

if (config.runWorker) container.worker.start();
const stopHousekeeping = scheduleHousekeeping(container);

/** Resolves once every connection has closed: idle ones at once, busy ones when their response is sent. */
function closeGracefully(http: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  // A keep-alive connection whose request finishes goes idle rather than closing: close those as they do.
  const idle = setInterval(() => http.closeIdleConnections(), 50);
  const deadline = setTimeout(() => {
    logger.warn({ graceMs }, 'requests still under way at the end of the grace period; closing them');
    http.closeAllConnections();
  }, graceMs);
  return closed.finally(() => {
    clearInterval(idle);
    clearTimeout(deadline);
  });
}

async function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down');
  stopHousekeeping();
  simulator?.close();
  await Promise.all([closeGracefully(server, config.shutdownGrace * 1000), container.worker.stop()]);
  await container.close();
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
