/**
 * Code accepted → unlock frame at the board, beside the durable journal write it contains and the disk's fsync floor
 * (issue 14, "the unlock goes first"; ADR 0026).
 *   npx tsx bench/core-unlock.ts [--rounds 300] [--line socat|pty]
 * The kiosk core (real SQLite file, WAL + synchronous=FULL, real services) drives the real CU16 driver through the
 * real serialport binding on a socat pty; the board is the simulator in its own process (bench/_unlock-board.ts), as a
 * real board is its own device. The clock stops when the board has parsed the unlock frame's last byte. Every duration
 * is on the project's monotonic clock (systemClock.mono(), src-main/clock.ts; the board's timestamps are the same
 * CLOCK_MONOTONIC, moved to that origin). Three runs: the production poll cadence, a concurrent status-poll load
 * (the poller flat out, so nearly every unlock finds a state exchange on the wire), and 150 ms polls between them. Each round also takes one sample
 * of the fsync floor (append + fdatasync to a file in the store's directory), so both see the same load.
 * A pty moves bytes at memory speed: the wire time of the 5-byte frame at 19200 baud 8N1 (2.6 ms) is printed beside
 * the figures, not contained in them. Customers arrive at random moments of the poll cycle. Prints figures; asserts
 * nothing: the goal line (code → frame at the board) and the proposed one (code → frame handed to the port, ADR 0026's
 * amendment) are printed, not checked.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { codeDigest } from '../src-common/code-digest';
import { systemClock } from '../src-main/clock';
import { KerongDriver, loadLayout, type DoorController, type TimingOverrides } from '../src-main/hardware/index';
import { CMD } from '../src-main/hardware/kerong/frame';
import { serialTransport, type Transport } from '../src-main/hardware/transport';
import type { DoorOpRow } from '../src-main/store/door-ops';
import { benchArgs } from './_cli';
import { benchCore } from './_core-context';

const values = benchArgs(
  { rounds: { type: 'string', default: '300' }, line: { type: 'string', default: 'socat' } },
  'usage: npx tsx bench/core-unlock.ts [--rounds 300] [--line socat|pty]\n  code accepted → unlock frame at the board, beside the journal write and the fsync floor (ADR 0026)',
  { line: ['socat', 'pty'] },
);
const ROUNDS = Number(values.rounds);
if (ROUNDS < 1) {
  process.stderr.write('bench/core-unlock.ts: --rounds must be at least 1\n');
  process.exit(2);
}
/** `socat`: two ptys joined by socat (the figures in the README); `pty`: the board holds the master (one kernel hop, as a UART). */
const LINE = values.line;
const WARMUP = 20;
const WIRE_MS = (5 * 10 * 1000) / 19200;
const LAYOUT = 'demo-24';
const secret = Buffer.alloc(32, 5);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const mono = (): number => systemClock.mono();
/** CLOCK_MONOTONIC ns (process.hrtime.bigint(), any process on this machine) → mono() ms: same clock, other origin. */
const hrOriginMs = Number(process.hrtime.bigint()) / 1e6 - mono();
const fromHr = (ns: string): number => Number(BigInt(ns)) / 1e6 - hrOriginMs;
const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 1));
};

interface Samples {
  floor: number[];
  journal: number[];
  total: number[];
  /** code submitted → journal transaction started (validation, the pickup's checks) */
  before: number[];
  /** journal committed → frame handed to the driver (unlock() called) */
  handover: number[];
  /** unlock() called → frame parsed by the board (queue, the exchange in flight, pty, the board's parse) */
  driver: number[];
  /** unlock() called → the unlock frame handed to the port (the queue: the exchange in flight, if any) */
  queued: number[];
  /** frame handed to the port → parsed by the board (binding, pty, socat, the board process's wake-up and parse) */
  line: number[];
  /** code submitted → frame handed to the port: all the kiosk's software decides (the line after it is the device's) */
  toPort: number[];
  statesPerSecond: number;
  /** Rounds where the board parsed the frame before the kiosk's next commit (the `unlocked` advance) had ended. */
  beforeNextCommit: number;
}

/** The board process on the far end of a pty: behind a socat pair, or holding the master itself (`--line pty`). */
async function board(): Promise<{ kiosk: string; child: ChildProcess; command(line: string): Promise<void>; nextUnlock(): Promise<number>; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'unlock-bench-pty-'));
  const boardScript = path.join(import.meta.dirname, '_unlock-board.ts');
  let kiosk: string;
  let child: ChildProcess;
  let socat: ChildProcess | null = null;
  if (LINE === 'pty') {
    // python3 opens the pair and execs the board with the master as fd 4 (bench/_pty-pair.py); IPC stays on fd 3.
    child = spawn('python3', [path.join(import.meta.dirname, '_pty-pair.py'), process.execPath, '--import', import.meta.resolve('tsx'), boardScript, 'fd:4', LAYOUT], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    kiosk = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
      });
      child.once('exit', (code) => reject(new Error(`bench pty pair exited with ${code} (no python3? use --line socat)`)));
    });
  } else {
    kiosk = path.join(dir, 'ttyKIOSK');
    const boardPath = path.join(dir, 'ttyBOARD');
    socat = spawn('socat', [`pty,raw,echo=0,link=${kiosk}`, `pty,raw,echo=0,link=${boardPath}`], { stdio: 'ignore' });
    await until(() => fs.existsSync(kiosk) && fs.existsSync(boardPath));
    child = fork(boardScript, [boardPath, LAYOUT], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  const unlocks: Array<(at: number) => void> = [];
  child.on('message', (m: Record<string, unknown>) => {
    if (typeof m.unlock === 'string') unlocks.shift()?.(fromHr(m.unlock));
    else waiting.shift()?.(m);
  });
  await new Promise<void>((resolve, reject) => {
    waiting.push(() => resolve());
    child.once('exit', (code) => reject(new Error(`bench board exited with ${code}`)));
  });
  return {
    kiosk,
    child,
    command: (line) =>
      new Promise<void>((resolve) => {
        waiting.push(() => resolve());
        child.send({ command: line });
      }),
    nextUnlock: () => new Promise<number>((resolve) => unlocks.push(resolve)),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await exited;
      socat?.kill('SIGTERM'); // by its pid
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One run of ROUNDS pickups. `arriveMs`: each code comes after a random pause of 0..arriveMs ms, so customers arrive at
 * any moment of the poll cycle (red team 14: rounds started right after the `closed` state reply always found the bus
 * idle, and hid the exchange in flight); 0 = at once (the flat-out load needs no pause to find the bus busy).
 */
async function scenario(timing: TimingOverrides, arriveMs: number): Promise<Samples> {
  const b = await board();
  const layout = loadLayout(LAYOUT);
  // The port as the kiosk opens it (serialTransport), noting when the driver hands it an unlock frame.
  let written = 0;
  const port = serialTransport({ path: b.kiosk, baudRate: 19200 });
  const transport: Transport = {
    path: port.path,
    async open(events) {
      const link = await port.open(events);
      return {
        write(bytes) {
          if (bytes[2] === CMD.unlock) written = mono();
          return link.write(bytes);
        },
        close: () => link.close(),
      };
    },
  };
  const doors = new KerongDriver({ transport, layout, timing, log: quiet });
  await doors.waitForPort(10_000);
  for (const board of new Set(layout.compartments.map((c) => c.board))) await doors.readBoard(board);
  const { services, db, clock, dir } = benchCore({ name: 'unlock', secret, seed: 11, doors, simulator: null, layout });
  await services.start();

  // One deposited parcel per compartment, item inside: a pickup that closes with the item still there leaves the
  // parcel deposited, so its code can be used again next round.
  const codes: Array<{ code: string; id: string }> = [];
  const now = clock.now();
  for (const [i, c] of layout.compartments.entries()) {
    const code = String(300_000 + i * 37);
    const id = `p_unlock${String(i).padStart(6, '0')}`;
    services.repos.parcels.upsertExpected({ id, barcode: `UB-${i}`, size: c.size, codeDigest: codeDigest(secret, code), accessible: false, pickupWindowDays: 3 }, now);
    services.repos.parcels.patch(id, { compartment_id: c.id }, now);
    services.repos.parcels.transition(id, 'deposited', { deposited_at: now, expires_at: now + 86_400_000 }, now);
    await b.command(`item ${c.id} on`);
    codes.push({ code, id: c.id });
  }

  // The journal write as the pickup makes it (doors.ts: door operation + audit entry, one IMMEDIATE transaction,
  // committed before unlock() is called). The door engine is private to the services: reached here for timing only.
  const engine = (services.pickup as unknown as { doors: { journal: (...a: unknown[]) => DoorOpRow } }).doors;
  let journalStart = 0;
  let journalEnd = 0;
  const journal = engine.journal.bind(engine);
  engine.journal = (...a: unknown[]) => {
    journalStart = mono();
    const row = journal(...a);
    journalEnd = mono();
    return row;
  };
  let handedOver = 0;
  const unlock = doors.unlock.bind(doors);
  (doors as DoorController).unlock = (id: string) => {
    handedOver = mono();
    return unlock(id);
  };

  // The door engine's next durable write after the unlock (operation → `unlocked`): an in-process board (the old
  // bench's) could only parse the frame after it, so that commit's fsync was counted as line time.
  let advancedEnd = 0;
  const advance = services.repos.doorOps.advance.bind(services.repos.doorOps);
  services.repos.doorOps.advance = (...a: Parameters<typeof advance>) => {
    const row = advance(...a);
    if (a[1] === 'unlocked') advancedEnd = mono();
    return row;
  };

  const floorFile = fs.openSync(path.join(dir, 'fsync-floor.bin'), 'a');
  const block = Buffer.alloc(256, 7);
  const s: Samples = { floor: [], journal: [], total: [], before: [], handover: [], driver: [], queued: [], line: [], toPort: [], statesPerSecond: 0, beforeNextCommit: 0 };
  const states0 = doors.health().framesSent;
  const t00 = mono();
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const { code, id } = codes[i % codes.length]!;
    if (arriveMs > 0) await new Promise((r) => setTimeout(r, Math.random() * arriveMs));
    const arrived = b.nextUnlock();
    const t0 = mono();
    const r = await services.pickup.submitCode({ code });
    const at = await arrived;
    if (i >= WARMUP) {
      s.total.push(at - t0);
      s.before.push(journalStart - t0);
      s.journal.push(journalEnd - journalStart);
      s.handover.push(handedOver - journalEnd);
      s.driver.push(at - handedOver);
      s.queued.push(written - handedOver);
      s.line.push(at - written);
      s.toPort.push(written - t0);
      if (at < advancedEnd) s.beforeNextCommit++;
    }
    // Untimed: the door reads open, then closes with the parcel still inside (outcome item_left).
    await until(() => services.repos.doorOps.get(r.operationId)!.state === 'opened');
    await b.command(`close ${id}`);
    await until(() => services.repos.doorOps.get(r.operationId)!.state === 'closed');
    const f = mono();
    fs.writeSync(floorFile, block);
    fs.fdatasyncSync(floorFile);
    if (i >= WARMUP) s.floor.push(mono() - f);
  }
  // Every frame but the unlocks is a state request: the poll load the unlocks competed with.
  s.statesPerSecond = (doors.health().framesSent - states0 - ROUNDS - WARMUP) / ((mono() - t00) / 1000);
  fs.closeSync(floorFile);
  await services.stop();
  await doors.close();
  db.close();
  await b.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return s;
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(3).padStart(7)} ms`;
const show = (label: string, xs: number[]) => console.log(`  ${label.padEnd(60)} p50 ${ms(pct(xs, 0.5))}  p99 ${ms(pct(xs, 0.99))}  max ${ms(pct(xs, 1))}`);
const ratio = (a: number[], b: number[], q: number) => (pct(a, q) / pct(b, q)).toFixed(2);

function report(title: string, s: Samples): void {
  console.log(`${title} (${s.statesPerSecond.toFixed(0)} state reads/s beside the unlocks)`);
  show('fsync floor: append + fdatasync, same directory', s.floor);
  show('durable journal write (door operation + audit, fsync\'d)', s.journal);
  show('code submitted → unlock frame parsed by the board', s.total);
  show('  code submitted → journal begins (validation, checks)', s.before);
  show('  journal committed → frame handed to the driver', s.handover);
  show('  driver: queue, exchange in flight, pty, the board\'s parse', s.driver);
  show('    unlock() → frame handed to the port (queue)', s.queued);
  show('    port → board parsed it (binding, socat pty, board process)', s.line);
  console.log(`  the board parsed the frame before the kiosk's next commit (operation → unlocked) ended in ${s.beforeNextCommit}/${s.total.length} rounds`);
  console.log(`  ratios: journal write / floor p50 ${ratio(s.journal, s.floor, 0.5)}, p99 ${ratio(s.journal, s.floor, 0.99)}; (code → frame) / journal write p50 ${ratio(s.total, s.journal, 0.5)}, p99 ${ratio(s.total, s.journal, 0.99)}`);
  const [p99Total, p99Journal, p99Port] = [pct(s.total, 0.99), pct(s.journal, 0.99), pct(s.toPort, 0.99)];
  // Issue 14's goal is measured to the frame parsed by the board. ADR 0026's amendment (proposed, not accepted) would
  // end it at the port, where the kiosk's part ends; both are printed, neither is checked.
  console.log(`  goal p99(code → frame at the board) ≤ 1.5 × p99(journal write): ${p99Total.toFixed(3)} ms vs ${(1.5 * p99Journal).toFixed(3)} ms: ${p99Total <= 1.5 * p99Journal ? 'met' : 'not met'}`);
  show('code submitted → frame handed to the port (the kiosk\'s share)', s.toPort);
  console.log(`  proposed (ADR 0026 amendment) p99(code → port) ≤ 1.5 × p99(journal write): ${p99Port <= 1.5 * p99Journal ? 'met' : 'not met'} (ratio p99 ${ratio(s.toPort, s.journal, 0.99)}, p50 ${ratio(s.toPort, s.journal, 0.5)})`);
}

async function main() {
  console.log(
    `rounds: ${ROUNDS} (+${WARMUP} warm-up) per run; SQLite WAL + synchronous=FULL; CU16 driver on ${LINE === 'pty' ? 'a pty whose master the board holds' : 'a socat pty pair'}, board in its own process`,
  );
  report('production poll cadence, no door awaited (1 s polls), customers at random moments', await scenario({}, 1000));
  report('a door awaited elsewhere (150 ms polls, e.g. a courier\'s door still open), customers at random moments', await scenario({ slowPollMs: 150 }, 150));
  report('concurrent status-poll load (poller flat out: fastPollMs = slowPollMs = 0)', await scenario({ fastPollMs: 0, slowPollMs: 0 }, 0));
  console.log(`wire time of the unlock frame at 19200 8N1: ${WIRE_MS.toFixed(3)} ms (added on a real line; a state exchange in flight adds up to 14 bytes, 7.3 ms)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
