// Keyturn's server process: reads configuration, opens and migrates the database, builds the app, listens,
// runs the outbox worker in-process (unless disabled) and sweeps expired artifacts.
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

async function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down');
  stopMaintenance();
  server.close();
  await keyturn.worker.stop();
  keyturn.mailer.close();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
