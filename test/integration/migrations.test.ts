import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/storage/database.ts';
import { migrateToLatest, rollbackAll } from '../../src/storage/migrate.ts';
import { openTestDatabase } from '../support/database.ts';

// Every migration has a `down` that reverses it: all the way down and up again leaves a working schema.
describe('migrations', () => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase());
  });
  afterAll(async () => {
    await close?.();
  });

  it('keyturn migrate › applies every migration, rolls all of them back, and applies them again', async () => {
    const applied = await migrateToLatest(database.knex);
    expect(applied.length).toBeGreaterThanOrEqual(4);
    expect(await database.knex.schema.hasTable('clearances')).toBe(true);
    await rollbackAll(database.knex);
    expect(await database.knex.schema.hasTable('clearances')).toBe(false);
    expect(await database.knex.schema.hasTable('oidc_payloads')).toBe(false);
    expect(await migrateToLatest(database.knex)).toEqual(applied);
    expect(await database.knex.schema.hasColumn('clearances', 'grant_expires_at')).toBe(true);
  });
});
