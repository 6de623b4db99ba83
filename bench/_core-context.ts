/**
 * The kiosk core as the benches drive it: a real SQLite file with the production pragmas, the real services, sync
 * offline, a manual clock and seeded randomness, enrolled with a fixed secret so codes can be made up front.
 * (Files starting with `_` are helpers: bench/run-all.ts does not run them.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock, seededRandom } from '../src-main/clock';
import { KioskConfig } from '../src-main/config';
import type { KioskContext, SyncHandle } from '../src-main/context';
import type { DoorController } from '../src-main/hardware/door-controller';
import type { BoardSimulator } from '../src-main/hardware/index';
import { loadLayout } from '../src-main/hardware/layouts';
import { createLogger } from '../src-main/log';
import { createServices, type Services } from '../src-main/services/index';
import { kioskMigrations } from '../src-main/store/migrations/index';
import { openDatabase, type Db } from '../src-main/store/sqlite';

const offlineSync: SyncHandle = { status: () => ({ status: 'offline', lastSyncAt: null, outboxDepth: 0, lastError: null }), nudge() {}, syncNow: async () => {}, close: async () => {} };

export interface BenchCore {
  ctx: KioskContext;
  services: Services;
  db: Db;
  clock: ManualClock;
  dir: string;
}

export function benchCore(opts: { name: string; secret: Buffer; seed: number; doors?: DoorController; simulator?: BoardSimulator | null; layout?: KioskContext['layout'] }): BenchCore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${opts.name}-`));
  const db = openDatabase(path.join(dir, 'kiosk.db'), kioskMigrations);
  const clock = new ManualClock();
  const ctx = {
    config: KioskConfig.parse({}),
    mode: 'host',
    version: 'bench',
    kioskId: () => 'K-BENCH0001',
    dataDir: dir,
    db,
    layout: opts.layout ?? loadLayout('demo-24'),
    doors: opts.doors ?? ({} as DoorController),
    simulator: opts.simulator ?? null,
    sync: offlineSync,
    clock,
    random: seededRandom(opts.seed),
    emit() {},
    log: createLogger('bench'),
  } as unknown as KioskContext;
  const services = createServices(ctx);
  ctx.services = services;
  services.repos.enrollment.setEnrollment({ kioskId: 'K-BENCH0001', kioskSecret: opts.secret.toString('base64'), badgePublicKey: 'none' });
  return { ctx, services, db, clock, dir };
}
