// Generated, persisted settings (cookie keys, signing keys): created once by whichever instance starts first.
import type { Database } from '../db/index.ts';

export function settingsRepository(database: Database) {
  const knex = () => database.query();
  return {
    /** The stored value, or `create()`'s value stored now; concurrent first starts agree on one value. */
    async getOrCreate(name: string, create: () => string | Promise<string>): Promise<string> {
      const existing = await knex()('settings').where({ name }).first<{ value: string } | undefined>('value');
      if (existing) return existing.value;
      await knex()('settings')
        .insert({ name, value: await create() })
        .onConflict('name')
        .ignore();
      const stored = await knex()('settings').where({ name }).first<{ value: string }>('value');
      return stored.value;
    },
  };
}

export type SettingsRepository = ReturnType<typeof settingsRepository>;
