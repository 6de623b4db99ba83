import { afterEach, describe, expect, it } from 'vitest';
import { kioskHandlers } from '../../src-main/api/kiosk-handlers';
import { storeHealth } from '../../src-main/store/store-health';
import { fillStore } from './fill-store';
import { depositParcel, makeKiosk, waitFor, waitOp, type TestKiosk } from './harness';

/**
 * Issue 9 §1, disk full: a door closing while the disk is full was an uncaught SQLITE_FULL (exit 1). Now the store
 * error is named (STORE_FULL), the store turns degraded: new pickups and drop-offs are refused, door tracking goes on,
 * and the kiosk comes back by itself when space returns, finishing from the board's state the operation whose close
 * could not be written.
 *
 * Real SQLITE_FULL errors from SQLite itself (tests/core/fill-store.ts).
 */
let k: TestKiosk;
afterEach(async () => k?.close());

describe('disk full', () => {
  it('a door closing on a full disk does not end the kiosk; new pickups and drop-offs are refused; it recovers by itself', async () => {
    k = await makeKiosk();
    const health = storeHealth(k.ctx.db);
    health.probeIntervalMs = 20; // the production interval is 5 s; the behaviour is the same
    const a = depositParcel(k, 'A02', { code: '424242' });
    const b = depositParcel(k, 'A03', { code: '535353' });
    const started = await k.call('pickupSubmitCode', { code: '424242' });
    expect(started.ok).toBe(true);
    const opId = started.value.operationId as string;
    await waitOp(k, opId, ['opened']);

    fillStore(k);
    const doorEvents: string[] = [];
    const off = k.ctx.doors.on((e) => doorEvents.push(e.type));
    k.sim.removeItem('A02');
    k.sim.closeDoor('A02');
    // The close could not be written: the store says full, and the screen is told.
    await waitFor(() => health.status === 'full', 3000, 'store degraded');
    expect(k.events.some((e) => e.event === 'store' && (e.payload as { status: string }).status === 'full')).toBe(true);
    // Door tracking goes on: the board is still read, a door opened by hand afterwards is seen.
    k.sim.openDoor('A05');
    await waitFor(() => k.ctx.doors.compartment('A05').door === 'open', 3000, 'A05 seen open');
    k.sim.closeDoor('A05');
    await waitFor(() => k.ctx.doors.compartment('A05').door === 'closed', 3000, 'A05 seen closed');
    off();
    expect(doorEvents.length).toBeGreaterThan(0);
    expect(k.services.repos.doorOps.get(opId)!.state).toBe('opened');

    // New pickups and drop-offs: refused with the code the screen explains, no door opens.
    const refused = await k.call('pickupSubmitCode', { code: '535353' });
    expect(refused.error?.code).toBe('STORE_FULL');
    expect(k.sim.door('A03').open).toBe(false);
    const dropoff = await k.call('dropoffScan', { sessionId: 's'.repeat(24), barcode: 'BC-999999' });
    expect(dropoff.error?.code).toBe('STORE_FULL');
    // What the screen reads at start and on reconnect (the harness dispatches customer and staff calls only).
    expect((await kioskHandlers.kioskInfo({}, k.ctx)).store).toBe('full');

    // Space returns: the probe notices, the screen is told, and the unfinished pickup is finished from the board.
    k.ctx.db.pragma('max_page_count = 1000000000');
    await waitFor(() => health.status === 'ok', 5000, 'store recovered');
    expect(k.events.some((e) => e.event === 'store' && (e.payload as { status: string }).status === 'ok')).toBe(true);
    const closed = await waitOp(k, opId, ['closed']);
    expect(closed.outcome).toBe('completed');
    expect(k.services.repos.parcels.get(a.id)!.status).toBe('picked_up');
    // And the next customer is served again.
    const next = await k.call('pickupSubmitCode', { code: '535353' });
    expect(next.ok).toBe(true);
    await waitOp(k, next.value.operationId, ['opened']);
    expect(k.services.repos.parcels.get(b.id)!.status).toBe('deposited');
  });

  it('a write that fails on a full disk is STORE_FULL, not INTERNAL', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A02', { code: '424242' });
    fillStore(k);
    // The right code: its door operation cannot be journaled, so no door opens, and the answer says why.
    const r = await k.call('pickupSubmitCode', { code: '424242' });
    expect(r.error?.code).toBe('STORE_FULL');
    expect(k.sim.door('A02').open).toBe(false);
    expect(storeHealth(k.ctx.db).status).toBe('full');
  });
});
