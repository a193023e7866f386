// Runs the migrations in migrations/ (files named YYYYMMDDHHMMSS_description.ts, each with up and down).
// A custom migration source, so the same files load under tsx and from the compiled build.
import { readdirSync } from 'node:fs';
import type { Knex } from 'knex';

const directory = new URL('../../migrations/', import.meta.url);

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return readdirSync(directory)
      .filter((name) => /^\d{14}_[\w-]+\.(ts|js)$/.test(name) && !name.endsWith('.d.ts'))
      .sort();
  },
  getMigrationName(name) {
    return name.replace(/\.(ts|js)$/, '');
  },
  async getMigration(name) {
    return (await import(new URL(name, directory).href)) as MigrationModule;
  },
};

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** How many migrations are not applied yet. */
export async function pendingMigrations(knex: Knex): Promise<number> {
  const [, pending] = (await knex.migrate.list({ migrationSource })) as [unknown[], unknown[]];
  return pending.length;
}

export async function rollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback({ migrationSource }, true);
}
