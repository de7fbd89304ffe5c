import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share the machine's PostgreSQL and Redis; each test isolates itself by schema and
    // queue prefix, but two cores are all we have.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
