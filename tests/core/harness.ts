import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateBadgeKeyPair, publicKeyPem, signBadge } from '../../src-server/auth/badges';
import { checkDigest, codeDigest, qrDigest } from '../../src-common/code-digest';
import type { EventName, EventPayload } from '../../src-shared/events';
import type { Size } from '../../src-shared/api/common';
import { dispatch } from '../../src-main/api/dispatch';
import { customerHandlers } from '../../src-main/api/customer-handlers';
import { sendHandlers } from '../../src-main/api/send-handlers';
import { staffHandlers } from '../../src-main/api/staff-handlers';
import { ManualClock, seededRandom } from '../../src-main/clock';
import { KioskConfig } from '../../src-main/config';
import type { KioskContext, SyncHandle } from '../../src-main/context';
import { createDoorController, loadLayout, type BoardSimulator } from '../../src-main/hardware/index';
import { createServices, type Services } from '../../src-main/services/index';
import { kioskMigrations } from '../../src-main/store/migrations/index';
import { openDatabase } from '../../src-main/store/sqlite';
import { createLogger } from '../../src-main/log';

export const SECRET = Buffer.alloc(32, 7);
export const SECRET_B64 = SECRET.toString('base64');
export const BADGE_KEYS = generateBadgeKeyPair();

export function tempDir(prefix = 'kiosk-core-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestKiosk {
  ctx: KioskContext;
  services: Services;
  sim: BoardSimulator;
  clock: ManualClock;
  dir: string;
  events: Array<{ event: EventName; payload: unknown }>;
  nudges: { count: number };
  /** Loosely typed on purpose: tests feed hostile input and read fields of many call shapes. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(name: string, input: unknown): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string; details?: Record<string, unknown> } }>;
  close(): Promise<void>;
}

export interface KioskOptions {
  dir?: string;
  config?: Record<string, unknown>;
  clock?: ManualClock;
  seed?: number;
  enroll?: boolean;
  /** Set up the physical world before services start (crash recovery). */
  beforeStart?: (sim: BoardSimulator, ctx: KioskContext) => void | Promise<void>;
  start?: boolean;
  jamMs?: number;
  /** Board unreadable this long after an unlock: the blind verdict (default 30 s, the driver's). */
  jamCeilingMs?: number;
  /**
   * Run the real Kerong driver on this serial path (a socat pty, tests/hardware/helpers.ts) instead of the in-process
   * simulator; `sim` is then null (cast), so helpers that touch it (depositParcel) cannot be used.
   */
  serialPath?: string;
}

export async function makeKiosk(opts: KioskOptions = {}): Promise<TestKiosk> {
  const dir = opts.dir ?? tempDir();
  const config = KioskConfig.parse({ serial: { protocol: 'simulator' }, ...(opts.config ?? {}) });
  const clock = opts.clock ?? new ManualClock();
  const db = openDatabase(path.join(dir, 'kiosk.db'), kioskMigrations);
  const layout = loadLayout(config.layout);
  const { doors, simulator } = await createDoorController({
    ...(opts.serialPath ? { protocol: 'kerong-cu16' as const, serialPath: opts.serialPath } : { protocol: 'simulator' as const }),
    family: config.board.family,
    layout,
    lockBitMeansClosed: config.serial.lockBitMeansClosed,
    itemSensors: config.serial.itemSensors,
    timing: { fastPollMs: 5, slowPollMs: 15, commandTimeoutMs: 50, jamMs: opts.jamMs ?? 250, ...(opts.jamCeilingMs ? { jamCeilingMs: opts.jamCeilingMs } : {}) },
  });
  const events: TestKiosk['events'] = [];
  const nudges = { count: 0 };
  const sync: SyncHandle = {
    status: () => ({ status: 'offline', lastSyncAt: null, outboxDepth: 0, lastError: null }),
    nudge: () => void nudges.count++,
    syncNow: async () => {},
    close: async () => {},
  };
  const ctx: KioskContext = {
    config,
    mode: 'host',
    version: 'test',
    kioskId: () => 'K-TEST0001',
    dataDir: dir,
    db,
    layout,
    doors,
    simulator,
    sync,
    clock,
    random: seededRandom(opts.seed ?? 42),
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void events.push({ event, payload }),
    log: createLogger('test'),
    services: undefined as unknown as Services,
  };
  ctx.services = createServices(ctx);
  if (opts.enroll ?? true) {
    ctx.services.repos.enrollment.setEnrollment({ kioskId: 'K-TEST0001', kioskSecret: SECRET_B64, badgePublicKey: publicKeyPem(BADGE_KEYS.publicKey) });
  }
  if (opts.beforeStart) await opts.beforeStart(simulator!, ctx);
  if (opts.start ?? true) await ctx.services.start();
  const handlers = { ...customerHandlers, ...sendHandlers, ...staffHandlers };
  let closed = false;
  return {
    ctx,
    services: ctx.services,
    sim: simulator!,
    clock,
    dir,
    events,
    nudges,
    call: (name, input) => dispatch(handlers, ctx, name, input) as never,
    async close() {
      if (closed) return;
      closed = true;
      await ctx.services.stop();
      // Let the simulator go first: a reply it writes into a closed line would raise EIO after the test.
      simulator?.detach();
      await doors.close();
      db.close();
    },
  };
}

let parcelSeq = 0;
export interface SeededParcel {
  id: string;
  barcode: string;
  code: string;
  size: Size;
  /** The message's check code and QR token (ADR 0008 (code lockout)); `null` in the input = an older server that sends neither. */
  check: string;
  qrToken: string;
}

/** A parcel the manifest announced (status expected). */
export function expectParcel(
  k: Pick<TestKiosk, 'services' | 'clock'>,
  o: Partial<SeededParcel> & { accessible?: boolean; noFactors?: boolean } = {},
): SeededParcel {
  parcelSeq++;
  const p: SeededParcel = {
    id: o.id ?? `p_test${String(parcelSeq).padStart(8, '0')}`,
    barcode: o.barcode ?? `BC-${String(parcelSeq).padStart(6, '0')}`,
    code: o.code ?? String(100000 + parcelSeq * 7919).slice(-6),
    size: o.size ?? 'S',
    check: o.check ?? String(1000 + ((parcelSeq * 7717) % 9000)),
    qrToken: o.qrToken ?? `QR${String(parcelSeq).padStart(8, '0')}abcdefghijkl`,
  };
  const factors = o.noFactors ? {} : { qrDigest: qrDigest(SECRET, p.qrToken), checkDigest: checkDigest(SECRET, p.code, p.check) };
  k.services.repos.parcels.upsertExpected(
    { id: p.id, barcode: p.barcode, size: p.size, codeDigest: codeDigest(SECRET, p.code), ...factors, accessible: o.accessible ?? false, pickupWindowDays: 3 },
    k.clock.now(),
  );
  return p;
}

/** A parcel already in a compartment, with the item in the simulated compartment (set up without a door flow). */
export function depositParcel(k: TestKiosk, compartmentId: string, o: Partial<SeededParcel> & { noFactors?: boolean } = {}): SeededParcel {
  const p = expectParcel(k, o);
  const now = k.clock.now();
  const { parcels } = k.services.repos;
  parcels.patch(p.id, { compartment_id: compartmentId }, now);
  parcels.transition(p.id, 'deposited', { deposited_at: now, expires_at: now + 3 * 86_400_000 }, now);
  k.sim.putItem(compartmentId);
  return p;
}

export function badge(role: 'driver' | 'technician', o: { bid?: string; expSeconds?: number; now?: number } = {}): string {
  const now = o.now ?? Date.UTC(2026, 10, 22, 12, 0, 0);
  return signBadge({ bid: o.bid ?? (role === 'driver' ? 'b_driver0001' : 'b_tech00001'), role, name: role === 'driver' ? 'Dana Driver' : 'Tom Tech', exp: Math.floor(now / 1000) + (o.expSeconds ?? 3600) }, BADGE_KEYS.privateKey);
}

export async function waitFor<T>(fn: () => T | null | undefined | false, timeoutMs = 3000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 3));
  }
}

export function opState(k: TestKiosk, opId: string) {
  return k.services.repos.doorOps.get(opId);
}

export async function waitOp(k: TestKiosk, opId: string, states: string[], timeoutMs = 3000) {
  return waitFor(() => {
    const op = opState(k, opId);
    return op && states.includes(op.state) ? op : null;
  }, timeoutMs, `operation ${opId} to reach ${states.join('|')}`);
}

/** Every active parcel sits alone in its compartment: the invariant the unique index guards. */
export function assertNoSharedCompartments(k: TestKiosk): void {
  const rows = k.ctx.db
    .prepare(`SELECT compartment_id, count(*) AS n FROM parcels WHERE compartment_id IS NOT NULL AND status IN ('expected','deposited','expired') GROUP BY compartment_id HAVING n > 1`)
    .all();
  if (rows.length > 0) throw new Error(`compartments shared: ${JSON.stringify(rows)}`);
}
