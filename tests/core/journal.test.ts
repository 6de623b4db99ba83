import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { badge, depositParcel, expectParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

let k: TestKiosk | null = null;
afterEach(async () => {
  await k?.close();
  k = null;
});

describe('the door journal is committed before every unlock frame', () => {
  it('pickup, reopen, drop-off, collection and maintenance: another connection sees the row when unlock is called', async () => {
    k = await makeKiosk();
    const other = new Database(path.join(k.dir, 'kiosk.db'), { readonly: true });
    const seen: Array<{ compartmentId: string; purpose: string | undefined }> = [];
    const unlock = k.ctx.doors.unlock.bind(k.ctx.doors);
    k.ctx.doors.unlock = (compartmentId: string) => {
      // Another connection reads only what has been committed (WAL): this is what a power cut would leave.
      const row = other.prepare("SELECT purpose FROM door_operations WHERE compartment_id = ? AND state = 'requested'").get(compartmentId) as { purpose: string } | undefined;
      seen.push({ compartmentId, purpose: row?.purpose });
      return unlock(compartmentId);
    };
    try {
      const close = async (opId: string, id: string, item: boolean) => {
        await waitOp(k!, opId, ['opened']);
        if (item) k!.sim.putItem(id);
        else k!.sim.removeItem(id);
        k!.sim.closeDoor(id);
        await waitOp(k!, opId, ['closed']);
      };
      depositParcel(k, 'A02', { code: '585858' });
      const pick = await k.call('pickupSubmitCode', { code: '585858' });
      await close(pick.value.operationId, 'A02', false);
      const reopen = await k.call('pickupSubmitCode', { code: '585858' });
      await close(reopen.value.operationId, 'A02', false);
      const drv = (await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) })).value.sessionId;
      const p = expectParcel(k, { size: 'L' });
      const drop = await k.call('dropoffScan', { sessionId: drv, barcode: p.barcode });
      await close(drop.value.operationId, drop.value.where.compartmentId, true);
      const old = depositParcel(k, 'A03', { code: '595959' });
      k.clock.advance(3 * 86_400_000 + 1);
      k.services.sweep();
      const drv2 = (await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) })).value.sessionId;
      const col = await k.call('collectionOpen', { sessionId: drv2, parcelId: old.id });
      await close(col.value.operationId, 'A03', false);
      const t = (await k.call('authPin', { pin: '246810' })).value.sessionId;
      const m = await k.call('maintenanceOpenDoor', { sessionId: t, compartmentId: 'A12', reason: 'inspection' });
      await close(m.value.operationId, 'A12', false);
    } finally {
      other.close();
    }
    expect(seen.map((s) => s.purpose)).toEqual(['pickup', 'pickup', 'dropoff', 'collection', 'maintenance']);
  });
});
