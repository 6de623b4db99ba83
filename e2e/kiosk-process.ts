import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

const root = path.resolve(import.meta.dirname, '..');
export const electronBinary = process.env.ELECTRON_EXEC_PATH || path.join(root, 'node_modules', 'electron', 'dist', 'electron');

/** A real host-mode kiosk in a child process: simulated board on a stream pair, its own temp data dir. */
export class KioskProcess {
  readonly lines: string[] = [];
  private child: ChildProcess | null = null;
  url = '';
  port = 0;
  token = '';
  readonly dataDir: string;

  constructor(private readonly extraArgs: string[] = []) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-e2e-'));
  }

  /** Starts the kiosk (on the port it had before, after `restart`); resolves on its "kiosk ready" line. */
  async start(): Promise<void> {
    const args = [path.join(root, 'out', 'main', 'host.js'), '--host-port', String(this.port), '--data-dir', this.dataDir, ...this.extraArgs];
    const seen = this.lines.length;
    this.child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KIOSK_LOG_LEVEL: 'warn' } });
    const onData = (chunk: Buffer) => this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    const line = await this.waitForLine(/^kiosk ready: (\S+)/, 30_000, seen);
    this.url = line.match(/^kiosk ready: (\S+)/)![1]!;
    const u = new URL(this.url);
    this.port = Number(u.port);
    this.token = new URLSearchParams(u.hash.slice(1)).get('token') ?? '';
  }

  /** Waits for a line matching `re` among those printed from index `from` on (state, not time). */
  async waitForLine(re: RegExp, timeoutMs = 10_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => re.test(l));
      if (hit) return hit;
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`kiosk exited ${this.child.exitCode}:\n${this.lines.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output:\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Calls the kiosk API as the page would (same origin, same token): for arranging scenes and acting on the simulator. */
  async call<T = unknown>(name: string, input: unknown = {}): Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }> {
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/api?token=${this.token}`, { origin: `http://127.0.0.1:${this.port}` });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return await new Promise((resolve) => {
        ws.on('message', (data) => {
          const msg = JSON.parse(data.toString());
          if (msg.id === 1) resolve(msg);
        });
        ws.send(JSON.stringify({ id: 1, call: name, input }));
      });
    } finally {
      ws.close();
    }
  }

  /**
   * The kiosk process dies (SIGKILL: no goodbye to the page) and starts again on the same port and data dir, as a
   * supervisor would restart it. Resolves when the new process is ready. `whileDown` runs between the two.
   */
  async restart(whileDown: () => Promise<void> = async () => undefined): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await whileDown();
    await this.start();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
