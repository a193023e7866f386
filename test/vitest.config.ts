import { defineConfig } from 'vitest/config';

// One suite, run once per database engine (KEYTURN_TEST_DB=sqlite|postgres); see test/support/engines.ts.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
