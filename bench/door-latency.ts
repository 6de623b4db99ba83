/**
 * Door latency and poll throughput, through the real serialport binding on a socat pty pair.
 *   npx tsx bench/door-latency.ts
 * Prints figures only. A pty moves bytes at memory speed, so wire time at 19200 baud is computed, not observed:
 * what we measure is our part (queue, encode, binding, kernel), to set beside the wire's.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import type { Layout } from '../src-shared/layout';
import { KerongDriver } from '../src-main/hardware/kerong/driver';
import { loadLayout } from '../src-main/hardware/layouts';
import { BoardSimulator } from '../src-main/hardware/sim/board-sim';
import { simulatorTransport } from '../src-main/hardware/sim/in-process';
import { serialTransport, type Transport } from '../src-main/hardware/transport';
import { benchArgs } from './_cli';

// --help prints this; any flag or word is one line and exit 2 (README: every entry point answers in one line).
benchArgs({}, 'usage: npx tsx bench/door-latency.ts\n  door latency and poll throughput through the real serialport binding on a socat pty pair');

const UNLOCKS = 1000;
const POLL_SECONDS = 2;
const BAUD = 19200;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const wireMs = (bytes: number) => (bytes * 10 * 1000) / BAUD; // 8N1: 10 bits per byte

async function pty() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'door-bench-'));
  const kiosk = path.join(dir, 'ttyKIOSK');
  const board = path.join(dir, 'ttyBOARD');
  const proc = spawn('socat', [`pty,raw,echo=0,link=${kiosk}`, `pty,raw,echo=0,link=${board}`], { stdio: 'ignore' });
  const end = Date.now() + 5000;
  while (!(fs.existsSync(kiosk) && fs.existsSync(board))) {
    if (Date.now() > end) throw new Error('socat did not create the ptys');
    await new Promise((r) => setTimeout(r, 10));
  }
  const boardPort = new SerialPort({ path: board, baudRate: BAUD, autoOpen: false });
  await new Promise<void>((res, rej) => boardPort.open((e) => (e ? rej(e) : res())));
  return {
    kiosk,
    boardPort,
    async stop() {
      await new Promise<void>((r) => boardPort.close(() => r()));
      proc.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (x: number) => x.toFixed(3).padStart(7) + ' ms';

/** unlock() call → the frame's last byte parsed at the board end; and unlock() call → its promise resolving. */
async function unlockLatency(label: string, transport: Transport, sim: BoardSimulator, layout: Layout) {
  const driver = new KerongDriver({ transport, layout, poll: false, timing: { jamMs: 3_600_000 }, log: quiet });
  await driver.waitForPort();
  const ids = layout.compartments.map((c) => c.id);
  const arrival: number[] = [];
  const resolved: number[] = [];
  let pending: ((at: bigint) => void) | null = null;
  const off = sim.observe((_f, at) => pending?.(at));
  for (let i = 0; i < UNLOCKS + 50; i++) {
    const arrived = new Promise<bigint>((r) => (pending = r));
    const t0 = process.hrtime.bigint();
    const done = driver.unlock(ids[i % ids.length]!).then(() => process.hrtime.bigint());
    const [tArrive, tDone] = await Promise.all([arrived, done]);
    if (i >= 50) {
      // the first 50 warm up the JIT and the binding's buffers
      arrival.push(Number(tArrive - t0) / 1e6);
      resolved.push(Number(tDone - t0) / 1e6);
    }
  }
  off();
  await driver.close();
  arrival.sort((a, b) => a - b);
  resolved.sort((a, b) => a - b);
  console.log(`${label}`);
  console.log(`  unlock() → last byte at board   p50 ${ms(pct(arrival, 50))}   p99 ${ms(pct(arrival, 99))}   max ${ms(arrival.at(-1)!)}`);
  console.log(`  unlock() → promise resolved     p50 ${ms(pct(resolved, 50))}   p99 ${ms(pct(resolved, 99))}`);
}

/** Poll throughput: readBoard back to back over every board, and the background poller flat out. */
async function pollThroughput(label: string, transport: () => Transport, sim: BoardSimulator, layout: Layout) {
  const boards = sim.boardIds();
  {
    const driver = new KerongDriver({ transport: transport(), layout, poll: false, log: quiet });
    await driver.waitForPort();
    let reads = 0;
    const end = Date.now() + POLL_SECONDS * 1000;
    while (Date.now() < end) {
      for (const b of boards) {
        await driver.readBoard(b);
        reads++;
      }
    }
    await driver.close();
    console.log(`${label}: readBoard back to back, ${boards.length} boards: ${(reads / POLL_SECONDS).toFixed(0)} states/s`);
  }
  {
    const driver = new KerongDriver({ transport: transport(), layout, timing: { fastPollMs: 0, slowPollMs: 0 }, log: quiet });
    await driver.waitForPort();
    await new Promise((r) => setTimeout(r, 200));
    const before = sim.received.state;
    await new Promise((r) => setTimeout(r, POLL_SECONDS * 1000));
    const n = sim.received.state - before;
    await driver.close();
    console.log(`${label}: poller at interval 0, ${boards.length} boards: ${(n / POLL_SECONDS).toFixed(0)} states/s (${(n / POLL_SECONDS / boards.length).toFixed(0)} per board)`);
  }
}

/** A full bus: 16 boards with one compartment each. */
function sixteenBoards(): Layout {
  return {
    name: 'bench: 16 boards',
    columns: 16,
    rows: 1,
    compartments: Array.from({ length: 16 }, (_, b) => ({ id: `B${String(b + 1).padStart(2, '0')}`, board: b, lock: 0, size: 'M' as const, column: b, row: 0, heightCm: 100 })),
  };
}

async function main() {
  const layout = loadLayout('demo-24');
  console.log(`Kerong CU16 bench: ${UNLOCKS} unlocks; wire time at ${BAUD} 8N1`);
  console.log(`  unlock frame, 5 bytes:               ${ms(wireMs(5))}`);
  console.log(`  state request + reply, 5 + 9 bytes:  ${ms(wireMs(14))}  → at most ${(1000 / wireMs(14)).toFixed(0)} states/s on a real bus`);
  console.log('');

  const p = await pty();
  const sim = new BoardSimulator({ layout });
  sim.attach(p.boardPort);
  await unlockLatency('socat pty, real serialport binding (both ends in this process):', serialTransport({ path: p.kiosk, baudRate: BAUD }), sim, layout);
  await pollThroughput('socat pty, demo-24', () => serialTransport({ path: p.kiosk, baudRate: BAUD }), sim, layout);
  const bus = sixteenBoards();
  const sim16 = new BoardSimulator({ layout: bus });
  sim.detach();
  sim16.attach(p.boardPort);
  await pollThroughput('socat pty, 16 boards', () => serialTransport({ path: p.kiosk, baudRate: BAUD }), sim16, bus);
  sim16.detach();
  await p.stop();

  console.log('');
  const mem = new BoardSimulator({ layout });
  await unlockLatency('in-process stream pair (the demo bus):', simulatorTransport(mem), mem, layout);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
