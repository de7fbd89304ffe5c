import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs no services (runs anywhere in seconds: `npx vitest --project unit`);
// `integration` and `e2e` use the machine's PostgreSQL and Redis (and Prometheus, Alertmanager).
// `npm test` (vitest run) runs all three.
const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

// Creates the test database when the server has none (a PostgreSQL fresh from its package); only the
// projects that use services run it, so the unit project never needs PostgreSQL.
const withServices = {
  ...shared,
  globalSetup: ['test/helpers/global-setup.ts'],
};

export default defineConfig({
  test: {
    // Integration tests share the machine's PostgreSQL and Redis; each test isolates itself by schema and
    // queue prefix, but two cores are all we have.
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], ...shared } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...withServices } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], ...withServices } },
    ],
  },
});
