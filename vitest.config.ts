import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Playwright specs live in e2e/ and must never be picked up here.
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Expected failures (a server stopped on purpose, a pulled pty) log warnings; keep the run readable.
    env: { KIOSK_LOG_LEVEL: 'error' },
  },
});
