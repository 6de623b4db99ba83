import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { collectLines, waitForLine } from '../foundation/kiosk-child';

const root = path.resolve(import.meta.dirname, '..', '..');
const launcherEntry = path.join(root, 'out', 'main', 'deploy.js');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const xvfb = ['/usr/bin/Xvfb', '/bin/Xvfb'].find((p) => fs.existsSync(p));
const missing = !xvfb ? 'Xvfb' : !fs.existsSync(chromium) ? `Chromium at ${chromium}` : !fs.existsSync(launcherEntry) ? 'out/main/deploy.js (run npm run build)' : null;
if (missing) console.log(`[deploy] skipped: no ${missing}`);

type Probe = { attract: boolean; linked: boolean; tokenInAddressBar: boolean } | { error: string };

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * The kiosk PC's systemd layout (resources/systemd): the kiosk is its own service and the launcher runs Chromium
 * only (`--browser-only`), so no ready line tells it of a kiosk restart. Red-team finding 3 for that layout: a token
 * rotated by deleting host-token and restarting the kiosk reaches the page, which is linked again by itself.
 */
describe.skipIf(missing !== null)('browser-only launcher (the systemd layout) and a rotated token', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-browser-only-'));
  const kioskLines: string[] = [];
  const lines: string[] = [];
  let display: ChildProcess | undefined;
  let kiosk: ChildProcess | undefined;
  let launcher: ChildProcess | undefined;
  let port = 0;
  const probes: Array<(p: Probe) => void> = [];

  /** The kiosk as the core service runs it: host mode, the ready line naming the token file. */
  const startKiosk = async (): Promise<void> => {
    const from = kioskLines.length;
    kiosk = spawn(process.execPath, [path.join(root, 'out', 'main', 'host.js'), '--host-port', String(port), '--data-dir', dataDir, '--server-url', 'http://127.0.0.1:9/'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KIOSK_HIDE_TOKEN: '1', KIOSK_LOG_LEVEL: 'warn' },
    });
    collectLines(kiosk, kioskLines);
    await waitForLine(kiosk, kioskLines, /^kiosk ready: /, 30_000, from);
  };
  const probe = (): Promise<Probe> =>
    new Promise((resolve) => {
      probes.push(resolve);
      launcher!.stdin!.write('probe\n');
    });
  const linkedAttract = async (ms: number): Promise<void> => {
    const start = performance.now();
    let last: Probe | null = null;
    while (performance.now() - start < ms) {
      last = await probe();
      if ('attract' in last && last.attract && last.linked) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`page not linked on the attract screen within ${ms} ms; last probe ${JSON.stringify(last)}:\n${lines.slice(-20).join('\n')}`);
  };

  afterAll(async () => {
    for (const p of [launcher, kiosk]) {
      if (p && p.exitCode === null && p.signalCode === null) {
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await gone;
      }
    }
    display?.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 20_000);

  it('delete host-token and restart the kiosk service: the page takes the new token and is linked again', async () => {
    display = spawn(xvfb!, ['-displayfd', '1', '-screen', '0', '1080x1920x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const num = await new Promise<string>((resolve) => display!.stdout!.once('data', (c: Buffer) => resolve(c.toString().trim())));
    port = await freePort();
    await startKiosk();
    const args = [launcherEntry, '--browser-only', '--data-dir', dataDir, '--host-port', String(port), '--chromium', chromium, '--probe-stdin', '--chromium-arg=--disable-gpu'];
    launcher = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, DISPLAY: `:${num}` } });
    for (const s of [launcher.stdout!, launcher.stderr!]) {
      readline.createInterface({ input: s }).on('line', (l) => {
        lines.push(l);
        const m = /^probe: (.*)$/.exec(l);
        if (m) probes.shift()?.(JSON.parse(m[1]!) as Probe);
      });
    }
    await waitForLine(launcher, lines, /supervisor: page sent to the kiosk/, 30_000);
    await linkedAttract(20_000);
    const file = path.join(dataDir, 'host-token');
    const old = fs.readFileSync(file, 'utf8').trim();

    // Rotate: delete the file, then the kiosk dies and its service manager starts it again.
    fs.rmSync(file);
    const exited = new Promise((r) => kiosk!.once('exit', r));
    kiosk!.kill('SIGKILL');
    await exited;
    const mark = lines.length;
    await startKiosk();
    const rotated = fs.readFileSync(file, 'utf8').trim();
    expect(rotated).not.toBe(old);
    await waitForLine(launcher, lines, /supervisor: page sent to the kiosk/, 15_000, mark);
    await linkedAttract(10_000);
    expect(await probe()).toEqual({ attract: true, linked: true, tokenInAddressBar: false });
    expect(lines.filter((l) => l.includes(rotated))).toEqual([]);
  }, 90_000);
});
