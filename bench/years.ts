/**
 * Years of use, compressed (issue 14, "The disk stays bounded"):
 *   npx tsx bench/years.ts [--parcels 200000] [--per-day 50]
 * One kiosk core in this process (the real services over a real SQLite file with the production pragmas, the board
 * simulator on the in-process line), its clock a ManualClock moved in steps: 200,000 parcels at 50 a day is about
 * eleven years. Each day has five rounds; a round deposits ten parcels (driver drop-off: parcel, door operation closed,
 * outbox event, audit entry, one transaction as the drop-off does), hands them out two hours later (pickup: the same
 * rows), the sync acks what was queued; once a simulated day the sweep's timer does what it does every minute in
 * production: expiry sweep, audit care (seal check and archive), disk care (retention in batches, WAL checkpoint). One parcel in 25 is
 * never picked up: the sweep expires it after its 3-day window and the driver's collection takes it out the next day.
 * The bulk flow writes through the repositories in the services' own shapes (a door cycle on the simulator takes a
 * poll interval, so 200,000 of them would take hours), with synchronous = NORMAL between the two measurements (no fsync
 * per commit); the calls measured at the start and at the end go through the real services and doors, with FULL.
 * Prints, at the start (after one simulated day) and at the end: RSS and heap after a full GC, the database and WAL
 * file sizes and the data dir, row counts, and each measured call's p50/p99 (monotonic clock). Asserts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs } from './_cli';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { codeDigest } from '../src-common/code-digest';
import { ManualClock, seededRandom, systemClock } from '../src-main/clock';
import { KioskConfig } from '../src-main/config';
import type { KioskContext, SyncHandle } from '../src-main/context';
import { createDoorController, loadLayout } from '../src-main/hardware/index';
import { createLogger, setLogSink } from '../src-main/log';
import { createServices } from '../src-main/services/index';
import type { StaffSession } from '../src-main/services/sessions';
import { openKioskStore } from '../src-main/store/kiosk-store';
import { KioskError } from '../src-shared/errors';

const values = benchArgs({ parcels: { type: 'string', default: '200000' }, 'per-day': { type: 'string', default: '50' } }, 'usage: npx tsx bench/years.ts [--parcels 200000] [--per-day 50]');
const PARCELS = Number(values.parcels);
const ROUNDS_PER_DAY = 5;
const ROUND = Math.max(1, Math.round(Number(values['per-day']) / ROUNDS_PER_DAY));
const EXPIRE_EVERY = 25;
const DAY = 86_400_000;
const secret = Buffer.alloc(32, 5);
const mono = () => systemClock.mono();
const layout = loadLayout('demo-24');
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const offlineSync: SyncHandle = { status: () => ({ status: 'offline', lastSyncAt: null, outboxDepth: 0, lastError: null }), nudge() {}, syncNow: async () => {}, close: async () => {} };
const driver: StaffSession = {
  sessionId: 's_yearsdriver',
  role: 'driver',
  badgeId: 'b_yearsdrv01',
  name: null,
  expiresAt: Number.MAX_SAFE_INTEGER,
  badgeExpiresAt: null,
  monoDeadline: Number.POSITIVE_INFINITY,
  lastActiveMono: 0,
  keptByDriver: [],
};
const MB = (b: number) => (b / 1024 / 1024).toFixed(1);

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 1));
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function main() {
  setLogSink((line) => process.stderr.write(line + '\n'), 'error');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-years-'));
  const file = path.join(dir, 'kiosk.db');
  const db = openKioskStore(file);
  const clock = new ManualClock();
  const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, timing: { fastPollMs: 20, slowPollMs: 1000, jamMs: 60_000 } });
  const sim = simulator!;
  const ctx = {
    config: KioskConfig.parse({ graceSeconds: 0, disk: { reserveMiB: 1 } }),
    mode: 'host',
    version: 'bench',
    kioskId: () => 'K-YEARS0001',
    dataDir: dir,
    db,
    layout,
    doors,
    simulator: sim,
    sync: offlineSync,
    clock,
    random: seededRandom(11),
    emit() {},
    log: createLogger('bench'),
  } as unknown as KioskContext;
  const services = createServices(ctx);
  ctx.services = services;
  services.repos.enrollment.setEnrollment({ kioskId: 'K-YEARS0001', kioskSecret: secret.toString('base64'), badgePublicKey: 'none' });
  await services.start();
  const { parcels, doorOps, outbox, audit } = services.repos;

  // The parcel the unlock samples open (it stays: each sample closes the door on it), in the last compartment.
  const kept = layout.compartments[layout.compartments.length - 1]!;
  parcels.upsertExpected({ id: 'p_yearskeep01', barcode: 'YK-1', size: kept.size, codeDigest: codeDigest(secret, '777777'), accessible: false, pickupWindowDays: 60 }, clock.now());
  parcels.patch('p_yearskeep01', { compartment_id: kept.id }, clock.now());
  // Closed on with the item inside (item_left), it stays deposited: its code opens it again at the next sample.
  parcels.transition('p_yearskeep01', 'deposited', { deposited_at: clock.now(), expires_at: clock.now() + 100 * 365 * DAY }, clock.now());
  sim.putItem(kept.id);
  const bulkDoors = layout.compartments.filter((c) => c.id !== kept.id).map((c) => c.id);
  const waiting = new Set<string>(); // compartments holding a parcel left to expire
  let n = 0;
  let opN = 0;

  /** The sweep's timer: what production does every minute, once per simulated day here (per round in the first day). */
  const tick = async () => {
    services.sweep();
    services.auditCare();
    await services.disk.tick();
  };

  const round = () => {
    const now = clock.now();
    const free = bulkDoors.filter((c) => !waiting.has(c)).slice(0, ROUND);
    const batch = free.map((cid) => ({ id: `p_y${String(n).padStart(7, '0')}`, cid, expire: ++n % EXPIRE_EVERY === 0 }));
    const door = (purpose: 'dropoff' | 'pickup' | 'collection', cid: string, parcelId: string, at: number) => {
      const id = `op_y${opN++}`;
      doorOps.insert({ id, purpose, compartmentId: cid, parcelId, actor: purpose === 'pickup' ? 'customer' : 'driver:b_yearsdrv01' }, at);
      doorOps.advance(id, 'closed', at, { outcome: 'completed' });
    };
    db.transaction(() => {
      for (const p of batch) {
        parcels.upsertExpected({ id: p.id, barcode: `YB-${p.id}`, size: 'S', codeDigest: codeDigest(secret, `y${p.id}`), accessible: false, pickupWindowDays: 3, serverSeq: n }, now - DAY);
        parcels.patch(p.id, { compartment_id: p.cid }, now);
        parcels.transition(p.id, 'deposited', { deposited_at: now, expires_at: now + 3 * DAY }, now);
        door('dropoff', p.cid, p.id, now);
        outbox.enqueue('parcel.deposited', { parcelId: p.id, compartmentId: p.cid }, now);
        audit.append(now, 'driver:b_yearsdrv01', 'parcel.deposited', { parcelId: p.id, compartmentId: p.cid });
        if (p.expire) waiting.add(p.cid);
      }
    })();
    const later = now + 2 * 3_600_000;
    db.transaction(() => {
      for (const p of batch.filter((x) => !x.expire)) {
        door('pickup', p.cid, p.id, later);
        parcels.transition(p.id, 'picked_up', { code_digest: null, picked_up_at: later }, later);
        outbox.enqueue('parcel.picked_up', { parcelId: p.id, compartmentId: p.cid }, later);
        audit.append(later, 'customer', 'parcel.picked_up', { parcelId: p.id, compartmentId: p.cid });
      }
      // The driver's collection: every parcel the sweep has expired goes out.
      for (const e of services.collection.list()) {
        const p = parcels.get(e.parcelId)!;
        door('collection', p.compartmentId!, p.id, later);
        parcels.transition(p.id, 'collected', { collected_at: later }, later);
        outbox.enqueue('parcel.collected', { parcelId: p.id, compartmentId: p.compartmentId }, later);
        audit.append(later, 'driver:b_yearsdrv01', 'parcel.collected', { parcelId: p.id });
        waiting.delete(p.compartmentId!);
      }
    })();
    // The sync: everything queued is acked.
    for (let due = outbox.pending(later, 500); due.length > 0; due = outbox.pending(later, 500)) outbox.markAcked(due.map((e) => e.id), later);
  };

  const measure = async (label: string) => {
    const wrong: number[] = [];
    const unlock: number[] = [];
    const scan: number[] = [];
    const sweep: number[] = [];
    const care: number[] = [];
    for (let i = 0; i < 200; i++) {
      if (i % 4 === 0) services.pickup.lockout.clear('technician:bench');
      const t = mono();
      try {
        await services.pickup.validate({ code: String(100_000 + i) });
      } catch (err) {
        if (!(err instanceof KioskError) || err.code !== 'CODE_INVALID') throw err;
      }
      wrong.push(mono() - t);
    }
    services.pickup.lockout.clear('technician:bench');
    for (let i = 0; i < 40; i++) {
      let arrived = 0;
      const stop = sim.observe((frame) => {
        if (frame.kind === 'command' && arrived === 0) arrived = mono();
      });
      const t = mono();
      const r = await services.pickup.submitCode({ code: '777777' });
      await until(() => arrived > 0);
      stop();
      unlock.push(arrived - t);
      await until(() => doorOps.get(r.operationId)!.state === 'opened');
      sim.closeDoor(kept.id);
      await until(() => doorOps.get(r.operationId)!.state === 'closed');
    }
    for (let i = 0; i < 30; i++) {
      const barcode = `YS-${label}-${i}`;
      const code = String(500_000 + i + (label === 'end' ? 1000 : 0));
      parcels.upsertExpected({ id: `p_ys${label}${i}`, barcode, size: 'S', codeDigest: codeDigest(secret, code), accessible: false, pickupWindowDays: 3 }, clock.now());
      const t = mono();
      const r = await services.dropoff.scan(driver, barcode);
      scan.push(mono() - t);
      const cid = r.where.compartmentId;
      await until(() => doorOps.get(r.operationId)!.state === 'opened');
      sim.putItem(cid);
      sim.closeDoor(cid);
      await until(() => parcels.activeByBarcode(barcode)?.status === 'deposited');
      const p = await services.pickup.submitCode({ code });
      await until(() => doorOps.get(p.operationId)!.state === 'opened');
      sim.removeItem(cid);
      sim.closeDoor(cid);
      await until(() => parcels.latestByBarcode(barcode)?.status === 'picked_up');
      clock.advance(60_000); // past the reopen window (it ends at the close with graceSeconds 0), so the door is offered again
    }
    for (let i = 0; i < 50; i++) {
      let t = mono();
      services.sweep();
      sweep.push(mono() - t);
      t = mono();
      await services.disk.tick();
      care.push(mono() - t);
    }
    gc();
    gc();
    const m = process.memoryUsage();
    const disk = services.disk.measure();
    const rows = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    const days = (clock.now() - start) / DAY;
    console.log(`\n${label}: ${n} parcels, ${days.toFixed(0)} simulated days (${(days / 365).toFixed(1)} years)`);
    console.log(`  memory: RSS ${MB(m.rss)} MB, heap used ${MB(m.heapUsed)} MB`);
    console.log(`  disk: kiosk.db ${MB(disk.dbBytes)} MB, WAL ${MB(disk.walBytes)} MB, data dir ${MB(disk.dataDirBytes)} MB`);
    console.log(`  rows: parcels ${rows('parcels')}, door_operations ${rows('door_operations')}, outbox ${rows('outbox')}, audit_log ${rows('audit_log')}, failed_attempts ${rows('failed_attempts')}`);
    for (const [name, xs] of [
      ['wrong code → CODE_INVALID', wrong],
      ['right code → unlock frame at the board', unlock],
      ['driver scan → door unlocking', scan],
      ['expiry sweep', sweep],
      ['disk care tick (measure, retention, checkpoint)', care],
    ] as const) {
      console.log(`  ${name.padEnd(48)} p50 ${pct(xs, 0.5).toFixed(2).padStart(7)} ms   p99 ${pct(xs, 0.99).toFixed(2).padStart(7)} ms`);
    }
    return { rss: m.rss, heap: m.heapUsed, db: disk.dbBytes, wal: disk.walBytes };
  };

  const start = clock.now();
  const t0 = mono();
  for (let r = 0; r < ROUNDS_PER_DAY; r++) {
    round();
    clock.advance(DAY / ROUNDS_PER_DAY);
    await tick();
  }
  const first = await measure('start');
  // The years in between: commits without their fsync (synchronous = NORMAL, still WAL: checkpoints still sync), which is
  // what makes eleven years fit in minutes. Both measurements run with the production setting, FULL.
  db.pragma('synchronous = NORMAL');
  while (n < PARCELS) {
    for (let r = 0; r < ROUNDS_PER_DAY; r++) {
      round();
      clock.advance(DAY / ROUNDS_PER_DAY);
    }
    await tick();
    if (n % 20_000 < ROUND * ROUNDS_PER_DAY) process.stderr.write(`  … ${n} parcels, ${((clock.now() - start) / DAY).toFixed(0)} days, ${((mono() - t0) / 1000).toFixed(0)} s\n`);
  }
  db.pragma('synchronous = FULL');
  const last = await measure('end');
  console.log(
    `\nyears soak: ${n} parcels in ${((mono() - t0) / 1000).toFixed(0)} s; end/start: RSS ${(last.rss / first.rss).toFixed(2)}×, heap ${(last.heap / first.heap).toFixed(2)}×, db ${(last.db / first.db).toFixed(2)}×, WAL ${MB(last.wal)} MB`,
  );
  await services.stop();
  sim.detach();
  await (doors as typeof doors & { close(): Promise<void> }).close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
