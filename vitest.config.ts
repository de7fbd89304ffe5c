import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Creates the test database when the server has none (a PostgreSQL fresh from its package).
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share the machine's PostgreSQL and Redis; each test isolates itself by schema and
    // queue prefix, but two cores are all we have.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
