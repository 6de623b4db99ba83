import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

const root = path.resolve(import.meta.dirname, '..', '..');

/**
 * A real host-mode kiosk from source (`node --import tsx src-main/host/main.ts`) in a child process, with the raw
 * TCP tools a hostile client uses: simulated board, its own temp data dir, sync pointed at a closed port (no
 * embedded fleet server: faster, and offline is a state the kiosk must serve in anyway). `nodeArgs` go before the
 * entry (e.g. `--import` of a test fixture). The page it serves is the built renderer in out/renderer (`npm test`
 * builds before the unit tests).
 */
export class HostileKiosk {
  readonly lines: string[] = [];
  port = 0;
  token = '';
  private child: ChildProcess | null = null;
  private dataDir = '';

  constructor(private readonly nodeArgs: string[] = []) {}

  async start(): Promise<void> {
    this.lines.length = 0;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-hostile-'));
    const args = [...this.nodeArgs, '--import', 'tsx', 'src-main/host/main.ts'];
    args.push('--host-port', '0', '--data-dir', this.dataDir, '--server-url', 'http://127.0.0.1:9/');
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KIOSK_LOG_LEVEL: 'warn' } });
    this.child = child;
    let partial = '';
    const onData = (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.stdin!.on('error', () => {}); // a dead kiosk must fail the assertion, not the writer
    const line = await this.waitForLine(/^kiosk ready: (\S+)/, 30_000);
    const u = new URL(/^kiosk ready: (\S+)/.exec(line)![1]!);
    this.port = Number(u.port);
    this.token = new URLSearchParams(u.hash.slice(1)).get('token') ?? '';
  }

  /** True while the process has not exited. */
  alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Writes a line to the kiosk's stdin (read only by test fixtures loaded with --import). */
  tell(line: string): void {
    this.child?.stdin?.write(line + '\n');
  }

  /** Waits for an output line (state, not time); throws if the process exits first or after `timeoutMs`. */
  async waitForLine(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit) return hit;
      if (!this.alive()) throw new Error(`kiosk exited (${this.child?.exitCode ?? this.child?.signalCode}) waiting for ${re}:\n${this.lines.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output:\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Sends `bytes` on a fresh TCP connection and resolves with everything the server wrote once it closes the
   * connection (no half-close from our side: Node aborts a request whose client sent EOF, so we would never see the
   * answer). With `giveUpMs`, a connection the server legitimately keeps open (it waits for more bytes, or keeps
   * alive) is dropped by us after that long and `closedByServer` is false; without it, not closing fails the test.
   * `stopAtHead`: resolve (and drop the connection) as soon as a response head is complete, e.g. after a 101.
   */
  raw(bytes: Buffer | string, opts: { giveUpMs?: number; stopAtHead?: boolean } = {}): Promise<{ data: Buffer; closedByServer: boolean }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = net.connect(this.port, '127.0.0.1', () => s.write(bytes));
      const limit = opts.giveUpMs ?? 5_000;
      const timer = setTimeout(() => {
        s.destroy();
        if (opts.giveUpMs !== undefined) resolve({ data: Buffer.concat(chunks), closedByServer: false });
        else reject(new Error(`server did not close within ${limit} ms after ${JSON.stringify(String(bytes).slice(0, 80))}`));
      }, limit);
      s.on('data', (d) => {
        chunks.push(d);
        if (opts.stopAtHead && Buffer.concat(chunks).includes('\r\n\r\n')) {
          clearTimeout(timer);
          s.destroy();
          resolve({ data: Buffer.concat(chunks), closedByServer: false });
        }
      });
      s.on('error', () => {}); // a reset is one of the ways the server may refuse; 'close' follows
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ data: Buffer.concat(chunks), closedByServer: true });
      });
    });
  }

  /** The status line of the server's answer to `bytes` ('' if it closed without one); the server must close. */
  async status(bytes: Buffer | string): Promise<string> {
    return (await this.raw(bytes)).data.toString('latin1').split('\r\n')[0] ?? '';
  }

  /** An upgrade request as raw bytes; by default one that passes the token and Origin checks. */
  upgradeRequest(opts: { path?: string; token?: string | null; origin?: string | null } = {}): string {
    const token = opts.token === undefined ? this.token : opts.token;
    const target = opts.path ?? `/api${token === null ? '' : `?token=${token}`}`;
    const origin = opts.origin === undefined ? this.origin() : opts.origin;
    return (
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n` +
      (origin === null ? '' : `Origin: ${origin}\r\n`) +
      '\r\n'
    );
  }

  /**
   * Opens an authenticated socket by hand, writes `frames` (raw WebSocket frame bytes) after the 101 and then a
   * close frame, and resolves once the connection is closed, at the latest after `giveUpMs` (a frame that claims
   * more payload than was sent leaves the server rightly waiting).
   */
  framesOnSocket(frames: Buffer[], giveUpMs = 2_000): Promise<{ upgraded: boolean; closedByServer: boolean }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let upgraded = false;
      let handshakeDone = false;
      const s = net.connect(this.port, '127.0.0.1', () => s.write(this.upgradeRequest()));
      const timer = setTimeout(() => {
        s.destroy();
        resolve({ upgraded, closedByServer: false });
      }, giveUpMs);
      s.on('data', (d) => {
        if (handshakeDone) return;
        chunks.push(d);
        const all = Buffer.concat(chunks);
        if (all.indexOf('\r\n\r\n') < 0) return;
        handshakeDone = true;
        upgraded = all.toString('latin1', 0, 12) === 'HTTP/1.1 101';
        if (!upgraded) return;
        for (const f of frames) s.write(f);
        s.write(wsFrame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe8]) }));
      });
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ upgraded, closedByServer: true });
      });
    });
  }

  /** One real API call over a fresh authenticated WebSocket, as the page makes it. */
  async call<T = unknown>(name: string, input: unknown = {}): Promise<{ ok: true; value: T } | { ok: false; error: { code: string } }> {
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/api?token=${this.token}`, { origin: this.origin() });
    ws.on('error', () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('close', (code) => reject(new Error(`socket closed (${code}) before open`)));
      });
      return await new Promise((resolve, reject) => {
        ws.on('message', (data) => {
          const msg = JSON.parse(data.toString());
          if (msg.id === 1) resolve(msg);
        });
        ws.once('close', (code) => reject(new Error(`socket closed (${code}) before the answer`)));
        ws.send(JSON.stringify({ id: 1, call: name, input }));
      });
    } finally {
      ws.close();
    }
  }

  /** GET / as a browser would: the status and the CSP header. */
  async page(): Promise<{ status: number; csp: string | null }> {
    const res = await fetch(`http://127.0.0.1:${this.port}/`);
    await res.arrayBuffer();
    return { status: res.status, csp: res.headers.get('content-security-policy') };
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && this.alive()) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
      if (!gone) child.kill('SIGKILL');
    }
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * One client WebSocket frame as raw bytes. `mask` defaults to true (a client must mask); `declaredLength` lies about
 * the payload's length in the header (to claim a frame far over the limit without sending it).
 */
export function wsFrame(opts: { opcode: number; payload?: Buffer; fin?: boolean; rsv?: number; mask?: boolean; declaredLength?: number }): Buffer {
  const payload = opts.payload ?? Buffer.alloc(0);
  const len = opts.declaredLength ?? payload.length;
  const mask = opts.mask ?? true;
  const b0 = (opts.fin === false ? 0 : 0x80) | (((opts.rsv ?? 0) & 7) << 4) | (opts.opcode & 0x0f);
  const m = mask ? 0x80 : 0;
  let header: Buffer;
  if (len < 126) header = Buffer.from([b0, m | len]);
  else if (len < 65536) {
    header = Buffer.from([b0, m | 126, 0, 0]);
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.from([b0, m | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([header, key, body]);
}
