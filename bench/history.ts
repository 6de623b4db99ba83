/**
 * Does a kiosk call cost more after years of history? (issue 14, "Cost must not grow with history")
 *   npx tsx bench/history.ts                 (HISTORY_SIZES=1000,1000000 by default; the 1M seed takes minutes)
 * Two kiosks in one process, each on its own real SQLite file (production pragmas) with the board simulator: one
 * seeded with 1,000 finished parcels of history, one with 1,000,000 (and the door operations, audit entries, outbox
 * events and failed attempts that come with them: bench/_history-seed.ts). Every call that matters is then timed on
 * both, one sample each in turn, so both see the same background load. Durations on the monotonic clock. Prints p50
 * and p99 of each call at both sizes and ends with exactly one line, the worst call's p99 ratio. Asserts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeDigest } from '../src-common/code-digest';
import { ManualClock, seededRandom, systemClock } from '../src-main/clock';
import { KioskConfig } from '../src-main/config';
import type { KioskContext, SyncHandle } from '../src-main/context';
import { createDoorController, loadLayout, type BoardSimulator } from '../src-main/hardware/index';
import type { DoorController } from '../src-main/hardware/door-controller';
import { createLogger } from '../src-main/log';
import { createServices, type Services } from '../src-main/services/index';
import type { StaffSession } from '../src-main/services/sessions';
import { EnrollmentRepo } from '../src-main/store/enrollment';
import { AUDIT_LIVE_DAYS } from '../src-main/store/audit-archive';
import { fullIntegrityCheck } from '../src-main/store/integrity';
import { openKioskStore } from '../src-main/store/kiosk-store';
import type { Db } from '../src-main/store/sqlite';
import { KioskError } from '../src-shared/errors';
import { seedHistory } from './_history-seed';
import { benchArgs } from './_cli';

// --help prints this; any flag or word is one line and exit 2 (README: every entry point answers in one line).
benchArgs({}, "usage: npx tsx bench/history.ts   (HISTORY_SIZES=1000,1000000 by default; the 1M seed takes minutes)\n  each kiosk call's p50/p99 with small and large history, and the worst call's p99 ratio (issue 14)");

const SIZES = (process.env.HISTORY_SIZES ?? '1000,1000000').split(',').map(Number) as [number, number];
const secret = Buffer.alloc(32, 9);
const layout = loadLayout('demo-24');
const PICKUP_DOORS = layout.compartments.slice(0, 16);
const mono = () => systemClock.mono();
const offlineSync: SyncHandle = { status: () => ({ status: 'offline', lastSyncAt: null, outboxDepth: 0, lastError: null }), nudge() {}, syncNow: async () => {}, close: async () => {} };
const session = (role: 'driver' | 'technician', badgeId: string): StaffSession => ({
  sessionId: `s_${badgeId}`,
  role,
  badgeId,
  name: null,
  expiresAt: Number.MAX_SAFE_INTEGER,
  badgeExpiresAt: null,
  monoDeadline: Number.POSITIVE_INFINITY,
  lastActiveMono: 0,
  keptByDriver: [],
});
const driver = session('driver', 'b_benchdrv01');
const tech = session('technician', 'b_benchtec01');
const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 1));
}

/** One kiosk over a seeded store; `boot()` is start-up exactly as core.ts does it (minus sync and the API). */
class Kiosk {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-history-'));
  readonly file = path.join(this.dir, 'kiosk.db');
  readonly clock = new ManualClock();
  db!: Db;
  services!: Services;
  private codeN = 0;
  readonly pickupCodes: Array<{ code: string; id: string }> = [];

  constructor(
    readonly n: number,
    readonly doors: DoorController,
    readonly sim: BoardSimulator,
  ) {}

  async boot(): Promise<void> {
    this.db = openKioskStore(this.file);
    new EnrollmentRepo(this.db, this.dir).assertSecretPresent();
    const ctx = {
      config: KioskConfig.parse({}),
      mode: 'host',
      version: 'bench',
      kioskId: () => 'K-BENCH0001',
      dataDir: this.dir,
      db: this.db,
      layout,
      doors: this.doors,
      simulator: this.sim,
      sync: offlineSync,
      clock: this.clock,
      random: seededRandom(this.n % 1000 + 3),
      emit() {},
      log: createLogger('bench'),
    } as unknown as KioskContext;
    this.services = createServices(ctx);
    ctx.services = this.services;
    await this.services.start();
  }

  async stop(): Promise<void> {
    await this.services.stop();
    this.db.close();
  }

  /** First start: enrolled, history seeded, then one deposited parcel (item inside) in each of 16 doors. */
  async create(): Promise<void> {
    await this.boot();
    this.services.repos.enrollment.setEnrollment({ kioskId: 'K-BENCH0001', kioskSecret: secret.toString('base64'), badgePublicKey: 'none' });
    this.db.pragma('cache_size = -262144'); // 256 MiB while seeding only: random index inserts
    const s = seedHistory(this.db, layout, this.n, this.clock.now());
    this.db.pragma('cache_size = -2000');
    console.log(
      `${label(this.n).padStart(3)}: seeded ${s.parcels} parcels, ${s.doorOps} door operations, ${s.audit} audit entries, ${s.outbox} outbox events, ${s.attempts} attempts in ${s.seconds.toFixed(1)} s; ${(fs.statSync(this.file).size / 1e6).toFixed(0)} MB`,
    );
    const now = this.clock.now();
    const { parcels } = this.services.repos;
    PICKUP_DOORS.forEach((c, i) => {
      const code = String(300_000 + i * 37);
      const id = `p_active${String(i).padStart(4, '0')}`;
      parcels.upsertExpected({ id, barcode: `AB-${i}`, size: c.size, codeDigest: codeDigest(secret, code), accessible: false, pickupWindowDays: 365 }, now);
      parcels.patch(id, { compartment_id: c.id }, now);
      parcels.transition(id, 'deposited', { deposited_at: now, expires_at: now + 365 * 86_400_000 }, now);
      this.sim.putItem(c.id);
      this.pickupCodes.push({ code, id: c.id });
    });
    // Then the kiosk's own retention (ADR 0024) and audit archive catch up, a batch per tick as they would have over
    // the years, so the timed calls meet the store a years-old kiosk has and not a backlog being pruned under them.
    await this.stop();
    await this.boot();
    const t = mono();
    let moved = 0;
    for (let step = this.services.auditCare(); step.archive?.archived; step = this.services.auditCare()) moved += step.archive.archived;
    let pruned = 0;
    for (let r = await this.services.disk.tick(); r.pruned && r.pruned.outbox + r.pruned.door_operations + r.pruned.parcels > 0; r = await this.services.disk.tick()) {
      pruned += r.pruned.outbox + r.pruned.door_operations + r.pruned.parcels;
    }
    const rows = (t: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    console.log(
      `${label(this.n).padStart(3)}: caught up in ${((mono() - t) / 1000).toFixed(1)} s: ${moved} audit entries archived (${AUDIT_LIVE_DAYS} days stay), ${pruned} rows past retention pruned; ` +
        `live: ${rows('parcels')} parcels, ${rows('door_operations')} door operations, ${rows('audit_log')} audit entries, ${rows('outbox')} outbox events, ${rows('failed_attempts')} attempts`,
    );
  }

  nextCode(): string {
    return String(600_000 + this.codeN++);
  }
}

type Sample = (k: Kiosk, i: number) => Promise<number>;

const calls: Array<{ name: string; n: number; warm?: number; sample: Sample }> = [
  {
    name: 'wrong code → CODE_INVALID (durable write)',
    n: 400,
    async sample(k, i) {
      if (i % 4 === 0) k.services.pickup.lockout.clear('technician:b_benchtec01'); // stay below hardening (untimed)
      const t = mono();
      try {
        await k.services.pickup.validate({ code: String(100_000 + i) });
      } catch (err) {
        if (!(err instanceof KioskError) || err.code !== 'CODE_INVALID') throw err;
      }
      return mono() - t;
    },
  },
  {
    name: 'right code → unlock frame parsed by the board',
    n: 150,
    async sample(k, i) {
      const { code, id } = k.pickupCodes[i % k.pickupCodes.length]!;
      let arrived = 0;
      const stop = k.sim.observe((frame) => {
        if (frame.kind === 'command' && arrived === 0) arrived = mono();
      });
      const t = mono();
      const r = await k.services.pickup.submitCode({ code });
      await until(() => arrived > 0);
      stop();
      const took = arrived - t;
      // The door reads open, then closes with the parcel still inside (item_left): the code works again next round.
      await until(() => k.services.repos.doorOps.get(r.operationId)!.state === 'opened');
      k.sim.closeDoor(id);
      await until(() => k.services.repos.doorOps.get(r.operationId)!.state === 'closed');
      return took;
    },
  },
  {
    name: 'driver scan → door unlocking (allocate + journal)',
    n: 120,
    async sample(k, i) {
      const { parcels } = k.services.repos;
      const code = k.nextCode();
      const barcode = `DB-${i}`;
      parcels.upsertExpected({ id: `p_drop${String(i).padStart(6, '0')}`, barcode, size: 'S', codeDigest: codeDigest(secret, code), accessible: false, pickupWindowDays: 3 }, k.clock.now());
      const t = mono();
      const r = await k.services.dropoff.scan(driver, barcode);
      const took = mono() - t;
      // Untimed: deposit (door closed on the item), then the pickup that empties the compartment again.
      const cid = r.where.compartmentId;
      await until(() => k.services.repos.doorOps.get(r.operationId)!.state === 'opened');
      k.sim.putItem(cid);
      k.sim.closeDoor(cid);
      await until(() => parcels.activeByBarcode(barcode)?.status === 'deposited');
      const p = await k.services.pickup.submitCode({ code });
      await until(() => k.services.repos.doorOps.get(p.operationId)!.state === 'opened');
      k.sim.removeItem(cid);
      k.sim.closeDoor(cid);
      await until(() => parcels.latestByBarcode(barcode)?.status === 'picked_up');
      k.clock.advance(10 * 60_000); // past the reopen window, so the compartment is offered again
      return took;
    },
  },
  { name: 'expiry sweep (the once-a-minute tick)', n: 1000, sample: async (k) => timed(() => k.services.sweep()) },
  { name: 'technician audit view (append, verify, 100 rows)', n: 300, sample: async (k) => timed(() => k.services.maintenance.audit(tech, 100)) },
  { name: 'maintenance overview (every compartment)', n: 500, sample: async (k) => timed(() => k.services.maintenance.overview()) },
  { name: 'collection list (expired parcels)', n: 1000, sample: async (k) => timed(() => k.services.collection.list()) },
  {
    name: 'sync outbox read (pending, depth, last acked)',
    n: 500,
    sample: async (k) =>
      timed(() => {
        const o = k.services.repos.outbox;
        o.pending(k.clock.now(), 200);
        o.depth();
        o.lastAcked();
      }),
  },
  {
    name: 'start-up (open, integrity check, services.start)',
    n: 20,
    async sample(k) {
      await k.stop();
      const t = mono();
      await k.boot();
      return mono() - t;
    },
  },
];

function timed(fn: () => unknown): number {
  const t = mono();
  fn();
  return mono() - t;
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function main() {
  const kiosks: Kiosk[] = [];
  for (const n of SIZES) {
    const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, timing: { fastPollMs: 40, slowPollMs: 1000, jamMs: 60_000 } });
    const k = new Kiosk(n, doors, simulator!);
    await k.create();
    kiosks.push(k);
  }
  const [small, large] = kiosks as [Kiosk, Kiosk];
  const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`).padStart(10);
  console.log(`\n${'call'.padEnd(50)} ${`${label(small.n)} p50`.padStart(10)} ${`${label(small.n)} p99`.padStart(10)} ${`${label(large.n)} p50`.padStart(10)} ${`${label(large.n)} p99`.padStart(10)}  p99 ratio`);
  let worst = { name: '', ratio: 0 };
  for (const call of calls) {
    const xs: [number[], number[]] = [[], []];
    for (let i = 0; i < call.n; i++) {
      // Alternate which kiosk goes first, so neither always follows the other's fsync.
      const order = i % 2 === 0 ? [0, 1] : [1, 0];
      for (const j of order) xs[j]!.push(await call.sample(kiosks[j]!, i));
    }
    const ratio = pct(xs[1], 0.99) / pct(xs[0], 0.99);
    if (ratio > worst.ratio) worst = { name: call.name, ratio };
    console.log(`${call.name.padEnd(50)} ${fmt(pct(xs[0], 0.5))} ${fmt(pct(xs[0], 0.99))} ${fmt(pct(xs[1], 0.5))} ${fmt(pct(xs[1], 0.99))}  ${ratio.toFixed(2)}`);
  }
  console.log(`(worst: ${worst.name}; samples per call as listed in bench/history.ts, both kiosks in turn)`);
  // Off the start-up path: the full integrity_check in its worker thread (store/integrity.ts), once per size.
  for (const k of kiosks) {
    const t = mono();
    const finding = await fullIntegrityCheck(k.file);
    console.log(`background integrity_check (worker thread, off the event loop) at ${label(k.n)}: ${((mono() - t) / 1000).toFixed(2)} s, ${finding ?? 'ok'}`);
  }
  for (const k of kiosks) {
    await k.stop();
    k.sim.detach();
    await (k.doors as DoorController & { close(): Promise<void> }).close();
    fs.rmSync(k.dir, { recursive: true, force: true });
  }
  console.log(`history cost ratio (${label(large.n)}/${label(small.n)}, worst call p99): ${worst.ratio.toFixed(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
