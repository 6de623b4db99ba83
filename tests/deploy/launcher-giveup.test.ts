import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Runs `npm run kiosk`'s launcher (from source) to its end; resolves with its exit code and every output line. */
function launcherUntilExit(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-giveup-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-main', 'deploy', 'main.ts'), '--data-dir', dataDir, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const s of [child.stdout, child.stderr]) readline.createInterface({ input: s }).on('line', (l) => lines.push(l));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, lines })));
}

/**
 * Red-team finding 4, as a person starting the kiosk sees it. With the default limit (10 starts in 120 s, waits
 * 0.5 s doubling to 10 s) each case takes about a minute: the launcher's own timing, nothing shortened for the test.
 * Browser-only, so only Chromium's supervisor is in play.
 */
describe('the launcher gives up on a Chromium that cannot run', () => {
  it.concurrent('a missing binary: one line naming it, given up once, exit 1 (it used to wait forever)', async () => {
    const { code, lines } = await launcherUntilExit(['--browser-only', '--chromium', '/nonexistent/chromium']);
    expect(code).toBe(1);
    expect(lines.filter((l) => l.includes('/nonexistent/chromium'))).toEqual([
      'supervisor: chromium could not start: /nonexistent/chromium: no such file (ENOENT)',
      'supervisor: chromium restarted 10 times within 120 s (last: /nonexistent/chromium: no such file (ENOENT)): giving up',
    ]);
  }, 150_000);

  it.concurrent('a binary that exits at once (/bin/false): the give-up line once, exit 1', async () => {
    const { code, lines } = await launcherUntilExit(['--browser-only', '--chromium', '/bin/false']);
    expect(code).toBe(1);
    expect(lines.filter((l) => /supervisor: chromium started/.test(l))).toHaveLength(10);
    expect(lines.filter((l) => l.includes('giving up'))).toEqual(['supervisor: chromium restarted 10 times within 120 s (last: exit 1): giving up']);
  }, 150_000);
});
