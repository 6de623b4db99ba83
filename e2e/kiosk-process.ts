import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectLines, kioskCall, parseReady, READY_LINE, waitForLine, type KioskCallResult } from '../tests/foundation/kiosk-child';

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
    collectLines(this.child, this.lines);
    ({ url: this.url, port: this.port, token: this.token } = parseReady(await this.waitForLine(READY_LINE, 30_000, seen)));
  }

  /** Waits for a line matching `re` among those printed from index `from` on (state, not time). */
  async waitForLine(re: RegExp, timeoutMs = 10_000, from = 0): Promise<string> {
    return waitForLine(this.child, this.lines, re, timeoutMs, from);
  }

  /** Calls the kiosk API as the page would (same origin, same token): for arranging scenes and acting on the simulator. */
  async call<T = unknown>(name: string, input: unknown = {}): Promise<KioskCallResult<T>> {
    return kioskCall<T>(this.port, this.token, name, input);
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
