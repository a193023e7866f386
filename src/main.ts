// Keyturn's server process: reads configuration, opens and migrates the database, builds the app, listens,
// runs the outbox worker in-process (unless disabled) and sweeps expired artifacts. On SIGTERM or SIGINT it
// stops accepting connections, lets the requests under way finish (for up to SHUTDOWN_GRACE), lets the
// worker finish the jobs under way, closes the pools and exits 0.
import type { Server } from 'node:http';
import { buildApp } from './app.ts';
import { scheduleMaintenance } from './maintenance.ts';
import { configOrExit, openRuntime } from './runtime.ts';

const config = configOrExit();
const runtime = await openRuntime(config);
const { logger, database } = runtime;
const keyturn = await buildApp(runtime);

const server = keyturn.app.listen(config.port, config.host, () => {
  logger.info(
    { issuer: config.issuer, engine: database.engine, devTools: config.devTools },
    'keyturn listening',
  );
  if (config.devTools) {
    process.stdout.write(
      `\n  Keyturn is running: ${config.issuer}/demo (demo app), ${config.issuer}/dev/mailbox (dev mailbox)\n\n`,
    );
  }
});

if (config.runWorker) keyturn.worker.start();

const stopMaintenance = scheduleMaintenance(keyturn, logger);

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
  stopMaintenance();
  await Promise.all([closeGracefully(server, config.shutdownGrace * 1000), keyturn.worker.stop()]);
  keyturn.mailer.close();
  await database.close();
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
