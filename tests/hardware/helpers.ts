import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import type { Layout } from '../../src-shared/layout';
import type { DoorEvent } from '../../src-main/hardware/door-controller';
import { KerongDriver, type KerongDriverOptions, type TimingOverrides } from '../../src-main/hardware/kerong/driver';
import { serialTransport } from '../../src-main/hardware/transport';
import { loadLayout } from '../../src-main/hardware/layouts';
import type { Logger } from '../../src-main/log';

/** Short timings so fault tests take milliseconds, not the field's seconds; ratios kept like the defaults. */
export const FAST: TimingOverrides = {
  commandTimeoutMs: 80,
  retries: 2,
  fastPollMs: 20,
  slowPollMs: 60,
  offlinePollMs: 120,
  jamMs: 400,
  jamCeilingMs: 3000,
  forcedOpenWindowMs: 1500,
  backoff: { initialMs: 40, factor: 2, maxMs: 200 },
};

/** Port-down warnings are expected in these tests; keep the output for failures. */
export const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export const demoLayout = (): Layout => loadLayout('demo-24');

export async function waitFor(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A socat pty pair: the kiosk opens `kiosk`, the simulated board `board`, as on a null-modem cable. */
export class PtyPair {
  readonly kiosk: string;
  readonly board: string;
  private proc: ChildProcess | null = null;

  constructor(readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-pty-'))) {
    this.kiosk = path.join(dir, 'ttyKIOSK');
    this.board = path.join(dir, 'ttyBOARD');
  }

  async start(): Promise<this> {
    // Stale links from a killed socat would look "ready" before the new one is.
    fs.rmSync(this.kiosk, { force: true });
    fs.rmSync(this.board, { force: true });
    this.proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.kiosk}`, `pty,raw,echo=0,link=${this.board}`], { stdio: 'ignore' });
    await waitFor(() => fs.existsSync(this.kiosk) && fs.existsSync(this.board), 5000, 'socat links');
    return this;
  }

  /** Kills socat by its PID (never by name: other tests run their own). */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function openPort(p: string): Promise<SerialPort> {
  const port = new SerialPort({ path: p, baudRate: 19200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  // A port whose peer vanished emits errors; tests that kill socat expect that, so never let it crash the worker.
  port.on('error', () => undefined);
  return port;
}

export async function closePort(port: SerialPort | null | undefined): Promise<void> {
  if (!port || !port.isOpen) return;
  await new Promise<void>((r) => port.close(() => r()));
}

export function driverOn(pty: PtyPair, layout: Layout, extra: Partial<KerongDriverOptions> = {}): KerongDriver {
  return new KerongDriver({ transport: serialTransport({ path: pty.kiosk, baudRate: 19200 }), layout, timing: FAST, log: quietLog, ...extra });
}

/** Collects a driver's events for assertions. */
export function recorder(driver: { on(fn: (e: DoorEvent) => void): () => void }) {
  const events: DoorEvent[] = [];
  driver.on((e) => events.push(e));
  return {
    events,
    of: (type: DoorEvent['type'], compartmentId?: string) =>
      events.filter((e) => e.type === type && (compartmentId === undefined || ('compartmentId' in e && e.compartmentId === compartmentId))),
  };
}

export const bytes = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
