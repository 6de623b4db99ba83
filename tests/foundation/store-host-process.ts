import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { collectLines, kioskCall, parseReady, READY_LINE, waitForLine } from './kiosk-child';

const root = path.resolve(import.meta.dirname, '..', '..');

type CallResult = { ok: true; value: any } | { ok: false; error: { code: string; message: string } }; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A real host-mode kiosk from source (`node --import tsx src-main/host/main.ts`, one process, so a SIGKILL kills the
 * kiosk itself and not a wrapper), on a data dir the test chooses; simulated board, embedded fleet (the demo).
 */
export class StoreHostProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
  port = 0;
  token = '';

  constructor(readonly dataDir: string, extraArgs: string[] = []) {
    const args = ['--import', 'tsx', path.join(root, 'src-main', 'host', 'main.ts'), '--host-port', '0', '--data-dir', dataDir, ...extraArgs];
    this.child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KIOSK_LOG_LEVEL: 'warn' } });
    collectLines(this.child, this.lines);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Waits for a line (state, not time); throws if the process exits first or nothing comes in `timeoutMs`. */
  async waitForLine(re: RegExp, timeoutMs = 60_000): Promise<string> {
    return waitForLine(this.child, this.lines, re, timeoutMs);
  }

  async ready(): Promise<void> {
    ({ port: this.port, token: this.token } = parseReady(await this.waitForLine(READY_LINE)));
  }

  /** One API call over the page's WebSocket (same origin, same token). */
  async call(name: string, input: unknown = {}): Promise<CallResult> {
    return kioskCall(this.port, this.token, name, input) as Promise<CallResult>;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
