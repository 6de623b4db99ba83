import { test as base, _electron, type ElectronApplication, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { electronBinary, KioskProcess } from './kiosk-process';

export { expect } from '@playwright/test';

/** What a spec may do to the kiosk besides touching its screen. */
export interface KioskHandle {
  /** Everything the kiosk printed so far (console "notifications" included). */
  readonly lines: string[];
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** An API call as the screen would make it (e.g. `simDoor` to close a door as the customer would). */
  call<T = unknown>(name: string, input?: unknown): Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>;
}

type Fixtures = { kiosk: KioskHandle; kioskPage: Page; electronApp: ElectronApplication | null };

/**
 * Every spec uses `kioskPage` and `kiosk`, so it runs unchanged in both projects: `host` starts a host-mode kiosk
 * and opens its URL in Chromium; `electron` launches the app itself. Without an Electron binary the electron
 * project skips, printing why (the binary cannot be downloaded on our machines).
 */
export const test = base.extend<Fixtures & { hostKiosk: KioskProcess | null }>({
  // Playwright reads a fixture's dependencies from its destructuring pattern: an empty one means "none".
  // eslint-disable-next-line no-empty-pattern
  electronApp: async ({}, use, testInfo) => {
    if (testInfo.project.name !== 'electron') return use(null);
    if (!fs.existsSync(electronBinary)) {
      console.log(`[electron] skipped "${testInfo.title}": no Electron binary at ${electronBinary} (set ELECTRON_EXEC_PATH to run it)`);
      testInfo.skip(true, `no Electron binary at ${electronBinary}`);
      return use(null);
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-e2e-electron-'));
    const app = await _electron.launch({ executablePath: electronBinary, args: ['.', '--windowed', '--data-dir', dataDir] });
    await use(app);
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  },
  hostKiosk: async ({ electronApp }, use, testInfo) => {
    if (testInfo.project.name === 'electron' || electronApp) return use(null);
    const kiosk = new KioskProcess();
    await kiosk.start();
    await use(kiosk);
    await kiosk.stop();
  },
  kioskPage: async ({ hostKiosk, electronApp, page }, use, testInfo) => {
    if (electronApp) return use(await electronApp.firstWindow());
    await page.goto(hostKiosk!.url);
    await use(page);
    // A red CI run keeps no artefacts: print what the screen showed and what the kiosk said, so a failure seen once
    // can be read from the log alone.
    if (testInfo.status !== testInfo.expectedStatus) {
      const shown = await page.locator('body').innerText({ timeout: 2_000 }).catch((e: Error) => `(page unreadable: ${e.message})`);
      console.log(`[failed "${testInfo.title}"] the screen showed:\n${shown.slice(0, 2_000)}`);
      console.log(`[failed "${testInfo.title}"] the kiosk's last lines:\n${hostKiosk!.lines.slice(-40).join('\n')}`);
    }
  },
  kiosk: async ({ hostKiosk, electronApp, kioskPage }, use) => {
    if (hostKiosk) return use(hostKiosk);
    const lines: string[] = [];
    electronApp!.process().stdout?.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    await use({
      lines,
      async waitForLine(re, timeoutMs = 10_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const hit = lines.find((l) => re.test(l));
          if (hit) return hit;
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      call: (name, input = {}) =>
        kioskPage.evaluate(([n, i]) => (window as unknown as { kiosk: Record<string, (x: unknown) => Promise<never>> }).kiosk[n as string]!(i), [name, input] as const),
    });
  },
});
