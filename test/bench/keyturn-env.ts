// The environment every Keyturn server of the benchmark runs with: development mode without dev tools or
// worker, silent, one maker configured (no real one behind it), and limits lifted that a load test would hit.
import { benchWebhookSecret } from './scenarios/callbacks.ts';

export function keyturnEnv(database: {
  sqliteFile?: string;
  databaseUrl?: string;
  smtpUrl?: string;
}): Record<string, string> {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    KEYTURN_DEV_TOOLS: 'false',
    KEYTURN_RUN_WORKER: 'false',
    OEM_BMW_URL: 'http://127.0.0.1:9/bmw',
    OEM_BMW_API_KEY: 'bench-api-key',
    OEM_BMW_WEBHOOK_SECRET: benchWebhookSecret,
    // The bench's journeys all come from one address and connect one VIN, as a load test's do.
    CODE_MAILS_PER_ADDRESS: '1000000',
    CONSENTS_PER_ADDRESS: '1000000',
    CONSENTS_PER_VIN: '1000000',
    CONSENTS_PER_APP: '1000000',
    // The data sets are cached and reused between runs, and their clearances have waited for weeks: the
    // server's housekeeping (every minute) must not time them out, or a slow run changes the cached set.
    CLEARANCE_DEADLINE: String(100 * 365 * 86_400),
    ...(database.smtpUrl ? { SMTP_URL: database.smtpUrl } : {}),
    ...(database.databaseUrl
      ? { DATABASE_URL: database.databaseUrl }
      : { KEYTURN_SQLITE_FILE: database.sqliteFile ?? '' }),
  };
}
