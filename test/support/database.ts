// A fresh, real database per test file: a SQLite file in a temp folder, or a new PostgreSQL database
// (created on the server named by KEYTURN_TEST_POSTGRES_URL, dropped afterwards).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { type Database, openDatabase } from '../../src/db/index.ts';

export type TestEngine = 'sqlite' | 'postgres';

export const testEngine = (): TestEngine =>
  process.env.KEYTURN_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

const serverUrl = () => process.env.KEYTURN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testEngine() === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), 'keyturn-test-'));
    return {
      env: { KEYTURN_SQLITE_FILE: join(folder, 'keyturn.sqlite') },
      async drop() {
        rmSync(folder, { recursive: true, force: true });
      },
    };
  }
  const name = `keyturn_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = knex({ client: 'pg', connection: serverUrl(), pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}`);
  await admin.destroy();
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.href },
    async drop() {
      const cleanup = knex({ client: 'pg', connection: serverUrl(), pool: { min: 0, max: 1 } });
      await cleanup.raw(`drop database if exists ${name} with (force)`);
      await cleanup.destroy();
    },
  };
}

/** A fresh test database opened as Keyturn opens its own; `close` closes it and drops it. */
export async function openTestDatabase(): Promise<{ database: Database; close(): Promise<void> }> {
  const testDatabase = await createTestDatabase();
  const database = openDatabase({
    databaseUrl: testDatabase.env.DATABASE_URL,
    sqliteFile: testDatabase.env.KEYTURN_SQLITE_FILE ?? '',
  });
  return {
    database,
    async close() {
      await database.close();
      await testDatabase.drop();
    },
  };
}
