/**
 * Start-up to interactive: the built host-mode kiosk (`out/main/host.js`), spawned fresh each round.
 *   npx tsx bench/startup.ts [--rounds 5]
 * Per round it measures (a) spawn → the `kiosk ready:` line on stdout (store, doors, sync, services, HTTP up) and
 * (b) spawn → the attract screen interactive in Debian's Chromium: the "Pick up a parcel" button visible and the
 * status bar (`kiosk-info`) showing the kiosk's id. The browser is launched once beforehand (its own launch is
 * printed, not counted); each round gets a fresh page, loaded the moment the ready line appears.
 * Cold: a fresh data dir (first start: enrollment with the embedded fleet server, demo seeding). Warm: a second
 * start on the data dir the cold round left. Builds with electron-vite first when out/ is missing; an existing out/
 * is used as it is (rebuild it after changing sources). Prints figures; asserts nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs } from './_cli';
import { chromium, type Browser } from '@playwright/test';

const values = benchArgs({ rounds: { type: 'string', default: '5' } }, 'usage: npx tsx bench/startup.ts [--rounds 5]');
const ROUNDS = Number(values.rounds);
const root = path.join(import.meta.dirname, '..');
const hostJs = path.join(root, 'out', 'main', 'host.js');

interface Round {
  ready: number;
  interactive: number;
  kioskId: string;
}

async function startOnce(browser: Browser, dataDir: string): Promise<Round> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [hostJs, '--host-port', '0', '--data-dir', dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KIOSK_LOG_LEVEL: 'warn' },
  });
  const output: string[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          output.push(line);
          const m = /^kiosk ready: (\S+)/.exec(line);
          if (m) resolve(m[1]!);
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.once('exit', (code) => reject(new Error(`kiosk exited ${code} before ready:\n${output.join('\n')}`)));
      setTimeout(() => reject(new Error(`no ready line in 60 s:\n${output.join('\n')}`)), 60_000).unref();
    });
    const ready = performance.now() - t0;
    const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
    try {
      const page = await context.newPage();
      await page.goto(url);
      // Interactive: the button is visible and the status bar carries a real kiosk id (data-kiosk-id, shown in its text).
      const handle = await page.waitForFunction(
        () => {
          const button = [...document.querySelectorAll('button')].find((b) => /pick up a parcel/i.test(b.textContent ?? ''));
          const info = document.querySelector<HTMLElement>('[data-testid="kiosk-info"][data-kiosk-id]');
          const id = info?.dataset.kioskId;
          if (!button || !info || !id || id === 'unenrolled' || !(info.textContent ?? '').includes(id)) return null;
          const r = button.getBoundingClientRect();
          const style = getComputedStyle(button);
          return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none' ? id : null;
        },
        undefined,
        { timeout: 60_000, polling: 'raf' },
      );
      const interactive = performance.now() - t0;
      const kioskId = (await handle.jsonValue()) as string;
      return { ready, interactive, kioskId };
    } finally {
      await context.close();
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!done) child.kill('SIGKILL');
    }
  }
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const p50 = s[Math.floor((s.length - 1) / 2)]!;
  return `p50 ${p50.toFixed(0).padStart(5)} ms  max ${s[s.length - 1]!.toFixed(0).padStart(5)} ms`;
}

async function main() {
  if (!fs.existsSync(hostJs)) {
    console.log('out/main/host.js missing: building with electron-vite …');
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
  const built = fs.statSync(hostJs).mtime;
  const l0 = performance.now();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const launch = performance.now() - l0;
  const cold: Round[] = [];
  const warm: Round[] = [];
  const dirs: string[] = [];
  try {
    // One untimed start first, so the first cold round does not also pay for the OS file cache of node_modules.
    const primer = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
    dirs.push(primer);
    await startOnce(browser, primer);
    for (let i = 0; i < ROUNDS; i++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
      dirs.push(dir);
      const c = await startOnce(browser, dir);
      const w = await startOnce(browser, dir);
      if (w.kioskId !== c.kioskId) console.log(`note: round ${i + 1}: warm start showed ${w.kioskId}, cold ${c.kioskId}`);
      cold.push(c);
      warm.push(w);
    }
  } finally {
    await browser.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
  console.log(`host mode, out/ built ${built.toISOString()}, ${ROUNDS} rounds each; Chromium launch (not counted) ${launch.toFixed(0)} ms`);
  for (const [label, rs] of [['cold (fresh data dir: enroll + demo seed)', cold], ['warm (second start, same data dir)', warm]] as const) {
    console.log(label);
    console.log(`  spawn → "kiosk ready:" line              ${stats(rs.map((r) => r.ready))}`);
    console.log(`  spawn → attract screen interactive       ${stats(rs.map((r) => r.interactive))}`);
    console.log(`    of which ready line → interactive      ${stats(rs.map((r) => r.interactive - r.ready))}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
