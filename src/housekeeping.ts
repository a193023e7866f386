// Periodic housekeeping for a long-running process (the server or `keyturn worker`): expired artifacts and
// counts, stale journeys, history past its retention, overdue clearances. Safe to run in several processes.
import type { Container } from './container.ts';

export function scheduleHousekeeping(
  container: Pick<Container, 'maintenance' | 'logger'>,
  intervalMs = 60_000,
): () => void {
  const timer = setInterval(async () => {
    try {
      const swept = await container.maintenance();
      if (Object.values(swept).some((count) => count > 0)) container.logger.info(swept, 'maintenance');
    } catch (error) {
      container.logger.error({ err: error }, 'maintenance failed');
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
