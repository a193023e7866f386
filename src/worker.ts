// The worker process (`keyturn worker`): configuration → container → the outbox worker and housekeeping,
// without any web app. Scale-out deployments run these beside stateless servers started with
// KEYTURN_RUN_WORKER=false. On SIGTERM or SIGINT it finishes the jobs under way and exits.
import type { Config } from './config/index.ts';
import { buildContainer } from './container.ts';
import { scheduleHousekeeping } from './housekeeping.ts';

export async function runWorker(config: Config): Promise<void> {
  const container = await buildContainer(config);
  container.worker.start();
  const stopHousekeeping = scheduleHousekeeping(container);
  container.logger.info('worker started');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  container.logger.info('worker stopping');
  stopHousekeeping();
  await container.close();
}
