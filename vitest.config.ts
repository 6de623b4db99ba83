import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: every test, the fleet server on its embedded default (SQLite). `postgres`: the fleet server and
 * sync suites again, every test server on its own database in one private PostgreSQL 15 cluster started for the run
 * (tests/setup/postgres.ts; ADR fleet-store). Run one with `npx vitest run --project postgres tests/server/x.test.ts`.
 */
const shared = {
  environment: 'node',
  testTimeout: 20_000,
  hookTimeout: 20_000,
  pool: 'forks',
} as const;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          // Playwright specs live in e2e/ and must never be picked up here.
          include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
          // Expected failures (a server stopped on purpose, a pulled pty) log warnings; keep the run readable.
          env: { KIOSK_LOG_LEVEL: 'error' },
        },
      },
      {
        test: {
          ...shared,
          name: 'postgres',
          // The suites whose servers take the store from startTestServer/startServer; the cluster tests are in `unit`
          // (they use PostgreSQL whatever the project), the SQLite-only migration and hardening files need no rerun.
          include: ['tests/server/**/*.test.ts', 'tests/sync/**/*.test.ts'],
          exclude: ['tests/server/migrations.test.ts', 'tests/server/cluster-*.test.ts', 'tests/server/hardening-*.test.ts', 'tests/server/import-boundary.test.ts'],
          globalSetup: ['tests/setup/postgres.ts'],
          env: { KIOSK_LOG_LEVEL: 'error', FLEET_TEST_DB: 'postgres' },
        },
      },
    ],
  },
});
