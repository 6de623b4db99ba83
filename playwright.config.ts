import { defineConfig } from '@playwright/test';

/**
 * The same specs run in two projects: `host` (Debian's Chromium against host mode, everywhere) and `electron`
 * (`_electron.launch`, only where an Electron binary exists; skipped with a printed reason otherwise).
 */
// Debian's Chromium as root in a container: no sandbox, and no background connections (the network is closed).
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    trace: 'off',
    screenshot: 'off',
  },
  projects: [
    {
      name: 'host',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: chromiumArgs,
        },
      },
    },
    // Specs that need a plain browser page beside the app (e.g. to open a URL) still get Debian's Chromium here; the
    // kiosk itself is the Electron window (`kioskPage`).
    // The operator console (e2e/console) is a web app served by the fleet server: host project only.
    { name: 'electron', testIgnore: 'console/**', use: { browserName: 'chromium', launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs } } },
  ],
});
