import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';

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
    const onData = (chunk: Buffer) => this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Waits for a line (state, not time); throws if the process exits first or nothing comes in `timeoutMs`. */
  async waitForLine(re: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit) return hit;
      if (this.child.exitCode !== null) throw new Error(`kiosk exited ${this.child.exitCode} before ${re}:\n${this.lines.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output:\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async ready(): Promise<void> {
    const url = (await this.waitForLine(/^kiosk ready: (\S+)/)).match(/^kiosk ready: (\S+)/)![1]!;
    const u = new URL(url);
    this.port = Number(u.port);
    this.token = new URLSearchParams(u.hash.slice(1)).get('token') ?? '';
  }

  /** One API call over the page's WebSocket (same origin, same token). */
  async call(name: string, input: unknown = {}): Promise<CallResult> {
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

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
