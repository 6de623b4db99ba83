/**
 * Outbox drain: 10,000 events queued on a kiosk (real SQLite, WAL + synchronous=FULL) drained by the real sync
 * client to a fleet server in its own process (`src-server/main.ts`) on loopback. Prints events per second for each
 * batch size. Figures, not assertions. Usage: tsx bench/sync-drain.ts [--events 10000] [--batch 100,500]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs } from './_cli';
import { systemClock, systemRandom } from '../src-main/clock';
import { loadConfig } from '../src-main/config';
import type { KioskContext } from '../src-main/context';
import { loadLayout } from '../src-main/hardware/index';
import { createLogger } from '../src-main/log';
import { createRepos } from '../src-main/store/index';
import { kioskMigrations } from '../src-main/store/migrations/index';
import { openDatabase } from '../src-main/store/sqlite';
import { createSync } from '../src-main/sync/index';
import { spawnFleetServer } from './_fleet-process';

const values = benchArgs({ events: { type: 'string', default: '10000' }, batch: { type: 'string', default: '100,500' } }, 'usage: npx tsx bench/sync-drain.ts [--events 10000] [--batch 100,500]');
const EVENTS = Number(values.events);
const BATCHES = values.batch.split(',').map(Number);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-drain-'));
const adminKey = 'bench-admin-key-0123456789';
const { url, child } = await spawnFleetServer(path.join(tmp, 'fleet'), adminKey);

async function kiosk(name: string, batchSize: number) {
  const dataDir = path.join(tmp, name);
  const tok = await fetch(`${url}/v1/enrollment-tokens`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: '{}' });
  const { enrollmentToken } = (await tok.json()) as { enrollmentToken: string };
  const config = loadConfig(['--data-dir', dataDir, '--server-url', url, '--enrollment-token', enrollmentToken], {});
  const db = openDatabase(path.join(dataDir, 'kiosk.db'), kioskMigrations);
  const repos = createRepos(db, { dataDir, random: systemRandom });
  const layout = loadLayout(config.layout);
  repos.compartments.syncFromLayout(layout);
  const health = { port: 'open', path: 'bench', boards: [], framesSent: 0, framesBad: 0, timeouts: 0, retries: 0, lastError: null };
  const ctx = {
    config,
    mode: 'host',
    version: 'bench',
    kioskId: () => repos.enrollment.kioskId() ?? 'unenrolled',
    dataDir,
    db,
    layout,
    doors: { health: () => health },
    simulator: null,
    clock: systemClock,
    random: systemRandom,
    emit: () => {},
    log: createLogger('bench'),
    services: { repos, freeBySize: () => repos.compartments.freeBySize() },
  } as unknown as KioskContext;
  // A long interval and no nudges: only syncNow() sends, so the timing is the drain alone.
  const sync = await createSync(ctx, { batchSize, intervalMs: 3_600_000, firstCycleDelayMs: 3_600_000 });
  await sync.syncNow(); // enroll
  if (sync.status().status !== 'online') throw new Error(`not online: ${sync.status().lastError}`);
  return { sync, repos, db };
}

console.log(`outbox drain: ${EVENTS.toLocaleString('en')} events, kiosk → fleet server (own process) on loopback`);
for (const batch of BATCHES) {
  const { sync, repos, db } = await kiosk(`kiosk-${batch}`, batch);
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < EVENTS; i++) {
      if (i % 2 === 0) repos.outbox.enqueue('parcel.picked_up', { barcode: `BENCH-${i}`, compartmentId: 'A01' }, now);
      else repos.outbox.enqueue('door.left_open', { compartmentId: 'A02', openForMs: 60_000 + i }, now);
    }
  })();
  const t0 = performance.now();
  await sync.syncNow();
  const ms = performance.now() - t0;
  const st = sync.status();
  if (st.outboxDepth !== 0) throw new Error(`not drained: ${st.outboxDepth} left (${st.lastError})`);
  console.log(
    `  batch ${String(batch).padStart(3)}: ${EVENTS.toLocaleString('en')} events in ${(ms / 1000).toFixed(2)} s = ${Math.round(EVENTS / (ms / 1000)).toLocaleString('en')} events/s (${Math.ceil(EVENTS / batch)} requests, ${(ms / Math.ceil(EVENTS / batch)).toFixed(1)} ms each)`,
  );
  await sync.close();
  db.close();
}
child.kill('SIGTERM');
fs.rmSync(tmp, { recursive: true, force: true });
