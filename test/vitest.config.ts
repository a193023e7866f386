import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Pure tests run once and need no database; every test under test/integration runs once per database
// engine, against a real SQLite file and a real PostgreSQL server (KEYTURN_TEST_DB); the Chromium walks under
// test/browser test pages, which read the same repositories on either engine, so they run once, on the
// SQLite of `npm start`; the benchmark's smoke test runs the harness once (it needs PostgreSQL too). A
// missing PostgreSQL fails the run.
const root = fileURLToPath(new URL('..', import.meta.url));
// Test files share their worker's module graph (isolate: false): each one still builds its own Keyturn on its
// own database, and importing the whole application once per worker instead of once per file saves minutes.
const shared = { testTimeout: 30_000, hookTimeout: 60_000, isolate: false };

export default defineConfig({
  root,
  test: {
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          root,
          include: ['test/domain/**/*.test.ts', 'test/oem-simulator/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'bench',
          root,
          include: ['test/bench/**/*.test.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'browser',
          root,
          include: ['test/browser/**/*.test.ts'],
          env: { KEYTURN_TEST_DB: 'sqlite' },
        },
      },
      {
        test: {
          ...shared,
          name: 'sqlite',
          root,
          include: ['test/integration/**/*.test.ts'],
          env: { KEYTURN_TEST_DB: 'sqlite' },
        },
      },
      {
        test: {
          ...shared,
          name: 'postgres',
          root,
          include: ['test/integration/**/*.test.ts'],
          env: { KEYTURN_TEST_DB: 'postgres' },
        },
      },
    ],
  },
});
