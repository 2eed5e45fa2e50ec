import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // expect.poll waits for a condition (a browser layout, a daemon state); 1 s, the default, is too short on a
    // loaded 2-core machine. A poll that never succeeds still fails.
    expect: { poll: { timeout: 15_000 } },
  },
});
