import { afterEach, describe, expect, it } from 'vitest';
import { badge, depositParcel, expectParcel, makeKiosk, waitFor, waitOp, type TestKiosk } from './harness';

let k: TestKiosk | null = null;
afterEach(async () => {
  await k?.close();
  k = null;
});

describe('doors', () => {
  it('a door forced open is audited and reported to the server', async () => {
    k = await makeKiosk();
    k.sim.openDoor('A12');
    await waitFor(() => k!.services.repos.outbox.pending(k!.clock.now()).find((e) => e.type === 'door.forced_open'), 3000, 'forced-open event');
    expect(k.services.repos.audit.recent(10).some((e) => e.action === 'door.forced_open')).toBe(true);
  });

  it('port down: the code is refused with HARDWARE_OFFLINE, the journal says failed, nothing is lost', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A03', { code: '909090' });
    k.sim.unplug();
    await waitFor(() => k!.ctx.doors.health().port !== 'open', 3000, 'port down');
    const r = await k.call('pickupSubmitCode', { code: '909090' });
    expect(r.error?.code).toBe('HARDWARE_OFFLINE');
    const op = k.ctx.db.prepare('SELECT state, outcome FROM door_operations').get();
    expect(op).toEqual({ state: 'failed', outcome: 'cancelled' });
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('deposited');
    expect(k.services.repos.attempts.countSince('code', 0)).toBe(0);
  });
});

describe('recovery without item sensors', () => {
  it('a drop-off interrupted before the door was seen open takes the compartment out of service for a check', async () => {
    const first = await makeKiosk({ config: { serial: { protocol: 'simulator', itemSensors: false } } });
    const p = expectParcel(first, { size: 'S' });
    const s = await first.call('authBadge', { badge: badge('driver', { now: first.clock.now() }) });
    // Journal written, then the kiosk "dies" before the frame goes out: stop services and close without sending.
    const op = first.services.repos.doorOps.insert(
      { id: 'op_interrupted1', purpose: 'dropoff', compartmentId: 'A01', parcelId: p.id, actor: 'driver:b_driver0001', sessionId: s.value.sessionId },
      first.clock.now(),
    );
    first.services.repos.parcels.patch(p.id, { compartment_id: 'A01' }, first.clock.now());
    const { dir, clock } = first;
    await first.close();
    k = await makeKiosk({ dir, clock, seed: 5, config: { serial: { protocol: 'simulator', itemSensors: false } } });
    expect(k.services.repos.doorOps.get(op.id)).toMatchObject({ state: 'failed', outcome: 'cancelled' });
    expect(k.services.repos.compartments.get('A01')!.inService).toBe(false);
    expect(k.services.repos.parcels.get(p.id)).toMatchObject({ status: 'expected', compartmentId: null });
  });

  it('without sensors a drop-off is deposited when its door closes', async () => {
    k = await makeKiosk({ config: { serial: { protocol: 'simulator', itemSensors: false } } });
    const p = expectParcel(k, { size: 'S' });
    const s = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
    const r = await k.call('dropoffScan', { sessionId: s.value.sessionId, barcode: p.barcode });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.closeDoor(r.value.where.compartmentId);
    await waitOp(k, r.value.operationId, ['closed']);
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('deposited');
  });
});
