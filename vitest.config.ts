import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // One throwaway PostgreSQL server per run, for the tests of the PostgreSQL store and shared queue.
    globalSetup: ['test/support/postgres-global-setup.ts'],
    // expect.poll waits for a condition (a browser layout, a daemon state); 1 s, the default, is too short on a
    // loaded 2-core machine. A poll that never succeeds still fails.
    expect: { poll: { timeout: 15_000 } },
  },
});
