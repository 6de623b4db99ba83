/**
 * A kiosk that delivers one parcel and is SIGKILLed right after the deposit commits, with everything before the
 * drop-off checkpointed into the main database file: the deposit exists only in the WAL. Run by wal-loss.test.ts:
 *   WAL_DIR=… tsx tests/core/wal-child.ts
 * Writes the compartment the parcel went into to WAL_DIR/compartment.txt (the simulator's state dies with us).
 */
import fs from 'node:fs';
import path from 'node:path';
import { badge, expectParcel, makeKiosk, waitOp } from './harness';

const dir = process.env.WAL_DIR!;

async function main(): Promise<void> {
  const k = await makeKiosk({ dir, seed: 1, jamMs: 20_000 });
  expectParcel(k, { id: 'p_walloss001', barcode: 'WAL-0001', code: '484848', size: 'S' });
  const s = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
  k.ctx.db.pragma('wal_checkpoint(TRUNCATE)');
  const r = await k.call('dropoffScan', { sessionId: s.value.sessionId, barcode: 'WAL-0001' });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const id = r.value.where.compartmentId as string;
  fs.writeFileSync(path.join(dir, 'compartment.txt'), id);
  await waitOp(k, r.value.operationId, ['opened'], 20_000);
  k.sim.putItem(id);
  k.sim.closeDoor(id);
  await waitOp(k, r.value.operationId, ['closed'], 20_000);
  if (k.services.repos.parcels.get('p_walloss001')?.status !== 'deposited') throw new Error('not deposited');
  process.kill(process.pid, 'SIGKILL');
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n');
  process.exit(4);
});
