// Periodic housekeeping for a long-running process (server or `keyturn worker`): expired artifacts, stale
// journeys, history past its retention, overdue clearances. Safe to run in several processes at once.
import type { Keyturn } from './app.ts';
import type { Logger } from './logger.ts';

export function scheduleMaintenance(keyturn: Keyturn, logger: Logger, intervalMs = 60_000): () => void {
  const timer = setInterval(async () => {
    try {
      const swept = await keyturn.maintenance();
      if (Object.values(swept).some((count) => count > 0)) logger.info(swept, 'maintenance');
    } catch (error) {
      logger.error({ err: error }, 'maintenance failed');
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
