/**
 * Memory over a long soak: one kiosk core in this process, driven through full drop-off + pickup cycles.
 *   npx tsx bench/soak.ts [--cycles 6000] [--every 500] [--lanes 4]   (~60–90 s on a 2-core VM)
 * The core is the real one (createKioskCore, config from loadConfig, simulated board on the in-process line, SQLite
 * WAL in a temp dir). Its server URL is a closed loopback port (127.0.0.1:9), so sync is offline the whole run: the
 * client keeps failing and backing off, the outbox only grows (as on a kiosk without a network), and no fleet server
 * shares the heap being measured. The bench enrolls the kiosk itself (secret + a generated badge key pair).
 * One cycle: a driver badge (authBadge) → dropoffScan → the simulator puts the item in and closes the door → the
 * customer's code (pickupSubmitCode) → the simulator takes the item out and closes the door → authEnd. Each door
 * step waits for the kiosk's own `operation` events (its journal), never a fixed sleep. `--lanes` runs that many
 * cycles side by side on different compartments (distinct drivers, as at a busy locker), because one door cycle
 * is bound by the board's poll interval (150 ms), not by the CPU.
 * Every `--every` cycles and at the end: RSS and heap used after a full GC, so the figures are what stays alive.
 * Growth per 1,000 cycles is the least-squares slope over the samples after the first quarter (warm-up).
 * Prints figures; asserts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs } from './_cli';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateBadgeKeyPair, publicKeyPem, signBadge } from '../src-server/auth/badges';
import { codeDigest } from '../src-common/code-digest';
import { loadConfig } from '../src-main/config';
import { createKioskCore, type KioskCore } from '../src-main/core';
import { setLogSink } from '../src-main/log';
import type { DoorOperation } from '../src-shared/api/common';
import type { CallInput, CallName, CallOutput } from '../src-shared/api';

const values = benchArgs({
  cycles: { type: 'string', default: '6000' },
  every: { type: 'string', default: '500' },
  lanes: { type: 'string', default: '4' },
}, 'usage: npx tsx bench/soak.ts [--cycles 6000] [--every 500] [--lanes 4]');
const CYCLES = Number(values.cycles);
const EVERY = Number(values.every);
const LANES = Number(values.lanes);

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function call<N extends CallName>(core: KioskCore, name: N, input: CallInput<N>): Promise<CallOutput<N>> {
  const r = await core.call(name, input);
  if (!r.ok) throw new Error(`${name} failed: ${r.error.code} ${r.error.message}`);
  return r.value as CallOutput<N>;
}

/** Resolves when the kiosk says operation `id` reached one of `states`: its `operation` events, the journal as a fallback. */
function opWaiter(core: KioskCore) {
  const waiting = new Map<string, { states: readonly string[]; resolve: (op: DoorOperation) => void }>();
  core.on((event, payload) => {
    if (event !== 'operation') return;
    const op = payload as DoorOperation;
    const w = waiting.get(op.operationId);
    if (w && w.states.includes(op.state)) {
      waiting.delete(op.operationId);
      w.resolve(op);
    }
  });
  return (id: string, states: readonly string[]): Promise<DoorOperation> =>
    new Promise((resolve, reject) => {
      const now = core.ctx.services.operation(id);
      if (now && states.includes(now.state)) return resolve(now as DoorOperation);
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`operation ${id} did not reach ${states.join('|')} in 15 s (now ${core.ctx.services.operation(id)?.state})`));
      }, 15_000);
      waiting.set(id, {
        states,
        resolve: (op) => {
          clearTimeout(timer);
          resolve(op);
        },
      });
    });
}

interface Sample {
  cycle: number;
  seconds: number;
  rss: number;
  heap: number;
  heapTotal: number;
  external: number;
}

function sample(cycle: number, t0: number): Sample {
  gc();
  gc();
  const m = process.memoryUsage();
  return { cycle, seconds: (performance.now() - t0) / 1000, rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external + m.arrayBuffers };
}

const mb = (b: number) => (b / 1024 / 1024).toFixed(1);

/** Linux: how the RSS splits (anonymous memory vs mapped files vs shared memory). */
function procStatus(): string {
  try {
    const st = fs.readFileSync('/proc/self/status', 'utf8');
    return ['RssAnon', 'RssFile', 'RssShmem'].map((k) => `${k} ${mb(Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(st)?.[1] ?? NaN) * 1024)} MB`).join(', ');
  } catch {
    return '';
  }
}

function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return num / den;
}

async function main() {
  // The offline sync client logs each failed attempt: counted, not printed. Anything else still reaches stderr.
  let syncFailures = 0;
  setLogSink((line) => {
    if (line.includes('"sync failed"')) syncFailures++;
    else process.stderr.write(line + '\n');
  }, 'warn');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-soak-'));
  // graceSeconds 0: a picked-up compartment is free again at once. With the default 60 s "reopen" grace, 24
  // compartments cycling several times a second would all sit in grace and the next drop-off would find none.
  const configFile = path.join(dir, 'soak-config.json');
  fs.writeFileSync(configFile, JSON.stringify({ graceSeconds: 0 }));
  const config = loadConfig(['--config', configFile, '--data-dir', dir, '--server-url', 'http://127.0.0.1:9/'], {});
  const core = await createKioskCore({ config, mode: 'host', version: 'bench', dataDir: dir });
  const { services, simulator } = core.ctx;
  const sim = simulator!;
  const secret = Buffer.alloc(32, 9);
  const keys = generateBadgeKeyPair();
  services.repos.enrollment.setEnrollment({ kioskId: 'K-SOAK0001', kioskSecret: secret.toString('base64'), badgePublicKey: publicKeyPem(keys.publicKey) });
  const badgeFor = (lane: number) =>
    signBadge({ bid: `b_soakdrv${String(lane).padStart(3, '0')}`, role: 'driver', name: `Soak Driver ${lane}`, exp: Math.floor(Date.now() / 1000) + 6 * 3600 }, keys.privateKey);
  const badges = Array.from({ length: LANES }, (_, i) => badgeFor(i));
  const wait = opWaiter(core);

  let started = 0;
  let done = 0;
  const samples: Sample[] = [];
  const t0 = performance.now();
  samples.push(sample(0, t0));
  const startStatus = procStatus();
  let nextSample = EVERY;

  const cycle = async (n: number, lane: number) => {
    const code = String(100_000 + ((n * 7919) % 900_000));
    const id = `p_soak${String(n).padStart(10, '0')}`;
    const barcode = `SOAK-${n}`;
    // The parcel as the manifest would bring it: expected, its code known only by digest.
    services.repos.parcels.upsertExpected({ id, barcode, size: 'S', codeDigest: codeDigest(secret, code), accessible: false, pickupWindowDays: 3 }, Date.now());
    const { sessionId } = await call(core, 'authBadge', { badge: badges[lane]! });
    const drop = await call(core, 'dropoffScan', { sessionId, barcode });
    const where = drop.where.compartmentId;
    await wait(drop.operationId, ['opened']);
    sim.putItem(where);
    sim.closeDoor(where);
    const closed = await wait(drop.operationId, ['closed', 'failed']);
    if (closed.outcome !== 'completed') throw new Error(`drop-off ${n} ended ${closed.state}/${closed.outcome}`);
    await call(core, 'authEnd', { sessionId });
    const pick = await call(core, 'pickupSubmitCode', { code, source: 'keypad' });
    await wait(pick.operationId, ['opened']);
    sim.removeItem(pick.where.compartmentId);
    sim.closeDoor(pick.where.compartmentId);
    const after = await wait(pick.operationId, ['closed', 'failed']);
    if (after.outcome !== 'completed') throw new Error(`pickup ${n} ended ${after.state}/${after.outcome}`);
  };

  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      while (started < CYCLES) {
        const n = ++started;
        await cycle(n, lane);
        done++;
        if (done >= nextSample) {
          nextSample += EVERY;
          const s = sample(done, t0);
          samples.push(s);
          console.log(
            `cycle ${String(done).padStart(6)}  ${s.seconds.toFixed(1).padStart(6)} s  rss ${mb(s.rss).padStart(6)} MB  heap used ${mb(s.heap).padStart(6)} MB (of ${mb(s.heapTotal).padStart(5)})  external+buffers ${mb(s.external).padStart(5)} MB`,
          );
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const end = sample(done, t0);
  if (samples[samples.length - 1]!.cycle !== done) samples.push(end);

  const steady = samples.filter((s) => s.cycle >= CYCLES / 4);
  const per1k = (pick: (s: Sample) => number) => `${(slope(steady.map((s) => [s.cycle, pick(s)])) * 1000 / 1024 / 1024).toFixed(2)} MB`;
  const sync = core.ctx.sync.status();
  const rows = (sql: string) => (core.ctx.db.prepare(sql).get() as { n: number }).n;
  console.log(`\n${done} cycles (drop-off + pickup, ${LANES} lanes) in ${elapsed.toFixed(1)} s: ${(done / elapsed).toFixed(2)} cycles/s, ${((2 * done) / elapsed).toFixed(2)} door operations/s`);
  const s0 = samples[0]!;
  console.log(`start: rss ${mb(s0.rss)} MB, heap used ${mb(s0.heap)} MB of ${mb(s0.heapTotal)} MB; ${startStatus}`);
  console.log(`end:   rss ${mb(end.rss)} MB, heap used ${mb(end.heap)} MB of ${mb(end.heapTotal)} MB; ${procStatus()}`);
  console.log(`growth per 1,000 cycles (slope after the first quarter): heap used ${per1k((s) => s.heap)}, heap total ${per1k((s) => s.heapTotal)}, rss ${per1k((s) => s.rss)}, rss outside the V8 heap ${per1k((s) => s.rss - s.heapTotal)}`);
  console.log(`sync ${sync.status} (${syncFailures} failed attempts logged, outbox depth ${sync.outboxDepth}); rows: parcels ${rows('SELECT count(*) AS n FROM parcels')}, door_operations ${rows('SELECT count(*) AS n FROM door_operations')}, audit ${rows('SELECT count(*) AS n FROM audit_log')}; db ${mb(fs.statSync(path.join(dir, 'kiosk.db')).size)} MB`);
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
