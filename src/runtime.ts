// Opens what every Keyturn process needs from its configuration: logger, database (migrated), keys.
// Shared by the server (src/main.ts) and the CLI.
import { type Config, ConfigError, loadConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { type Keys, loadKeys } from './security/keys.ts';
import { type Database, openDatabase } from './storage/database.ts';
import { migrateToLatest } from './storage/migrate.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
  keys: Keys;
}

/** Loads configuration or exits with every problem listed. */
export function configOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

export async function openRuntime(config: Config, options: { migrate?: boolean } = {}): Promise<Runtime> {
  const logger = createLogger(config.logLevel);
  const database = openDatabase({
    ...config,
    lockTimeoutMs: config.sqliteLockTimeoutMs,
    onCheckpointError: (message) => logger.warn({ message }, 'SQLite background checkpoint failed'),
    onConnectionError: (error) => logger.warn({ err: error }, 'an idle database connection failed'),
  });
  if (options.migrate ?? true) {
    const applied = await migrateToLatest(database.knex);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
  }
  const keys = await loadKeys(config, database.knex);
  return { config, logger, database, keys };
}
