import { afterEach, describe, expect, it } from 'vitest';
import { badge, depositParcel, expectParcel, makeKiosk, tempDir, waitFor, waitOp, type TestKiosk } from './harness';

let k: TestKiosk | null = null;
afterEach(async () => {
  await k?.close();
  k = null;
});

const TECH = 'technician:b_tech00001';

async function technician(kiosk: TestKiosk): Promise<string> {
  const r = await kiosk.call('authBadge', { badge: badge('technician') });
  expect(r.ok).toBe(true);
  return r.value.sessionId as string;
}

const pending = (kiosk: TestKiosk) => kiosk.services.repos.outbox.pending(kiosk.clock.now()).map((e) => e.type);
const resolvedEntry = (kiosk: TestKiosk) => {
  const e = kiosk.services.repos.audit.recent(50).find((x) => x.action === 'maintenance.operation_resolved');
  return e ? { actor: e.actor, detail: JSON.parse(e.detail) as Record<string, unknown> } : null;
};

/** A journal row left `opened` with the door now reading closed: a close event that never reached us (a flapping sensor). */
function strandedOpened(kiosk: TestKiosk, purpose: 'pickup' | 'dropoff', compartmentId: string, parcelId: string): string {
  const { doorOps } = kiosk.services.repos;
  const id = `op_stranded${purpose}`;
  kiosk.services.repos.db.transaction(() => {
    doorOps.insert({ id, purpose, compartmentId, parcelId, actor: purpose === 'dropoff' ? 'driver:b_driver0001' : 'customer' }, kiosk.clock.now());
    doorOps.advance(id, 'opened', kiosk.clock.now());
  })();
  return id;
}

describe('maintenance: resolve an operation that never ends', () => {
  it('pickup whose door stays open: failed, compartment out of service, parcel still deposited and flagged, no pickup claimed', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A04', { code: '515151', size: 'M' });
    const r = await k.call('pickupSubmitCode', { code: '515151' });
    await waitOp(k, r.value.operationId, ['opened']);
    const sid = await technician(k);

    // The technician sees the operation holding A04 and cannot simply open the door.
    const ov = await k.call('maintenanceOverview', { sessionId: sid });
    const a04 = ov.value.compartments.find((c: { id: string }) => c.id === 'A04');
    expect(a04.operation).toMatchObject({ operationId: r.value.operationId, purpose: 'pickup', state: 'opened', parcelBarcode: p.barcode });
    expect(a04.operation.openedAt).not.toBeNull();
    expect((await k.call('maintenanceOpenDoor', { sessionId: sid, compartmentId: 'A04', reason: 'check' })).error?.code).toBe('INVALID_STATE');

    k.sim.removeItem('A04'); // the sensor says empty, but the door never closed: still not a pickup
    const res = await k.call('maintenanceResolveOperation', { sessionId: sid, compartmentId: 'A04', reason: 'door sensor cable cut' });
    expect(res.ok).toBe(true);
    expect(res.value).toMatchObject({ resolution: 'failed', door: 'open', operation: { state: 'failed', outcome: 'cancelled' } });
    expect(res.value.operation.reference).toMatch(/^R-/);
    expect(res.value.compartment).toMatchObject({ status: 'out_of_service', operation: null });

    const parcel = k.services.repos.parcels.get(p.id)!;
    expect(parcel.status).toBe('deposited');
    expect(parcel.flagged).toMatch(/resolved by technician with the door open/);
    expect(pending(k)).not.toContain('parcel.picked_up');
    expect(pending(k)).toContain('compartment.out_of_service');
    expect(resolvedEntry(k)).toEqual({
      actor: TECH,
      detail: expect.objectContaining({ operationId: r.value.operationId, resolution: 'failed', door: 'open', reason: 'door sensor cable cut', parcelId: p.id }),
    });
    // The way is clear: the technician can open the door now.
    expect((await k.call('maintenanceOpenDoor', { sessionId: sid, compartmentId: 'A04', reason: 'inspection' })).ok).toBe(true);
  });

  it('drop-off whose door stays open: reservation released, parcel still expected and flagged, compartment out of service', async () => {
    k = await makeKiosk();
    const p = expectParcel(k, { size: 'M' });
    const d = await k.call('authBadge', { badge: badge('driver') });
    const drop = await k.call('dropoffScan', { sessionId: d.value.sessionId, barcode: p.barcode });
    await waitOp(k, drop.value.operationId, ['opened']);
    const where = drop.value.where.compartmentId as string;
    k.sim.putItem(where); // item sensed, door open: still not a delivery
    const sid = await technician(k);
    const res = await k.call('maintenanceResolveOperation', { sessionId: sid, compartmentId: where, reason: 'door left open' });
    expect(res.value).toMatchObject({ resolution: 'failed', door: 'open' });
    const parcel = k.services.repos.parcels.get(p.id)!;
    expect(parcel.status).toBe('expected');
    expect(parcel.compartmentId).toBeNull();
    expect(parcel.flagged).toMatch(/check whether it is inside/);
    expect(pending(k)).not.toContain('parcel.deposited');
    expect(k.services.repos.compartments.get(where)!.inService).toBe(false);
  });

  it('door reads closed: finished by the normal close logic (pickup → picked_up, drop-off → deposited) with their outbox events', async () => {
    k = await makeKiosk();
    const taken = depositParcel(k, 'A04', { size: 'M' });
    const pickupOp = strandedOpened(k, 'pickup', 'A04', taken.id);
    k.sim.removeItem('A04');
    const delivered = expectParcel(k, { size: 'M' });
    k.services.repos.parcels.patch(delivered.id, { compartment_id: 'A05' }, k.clock.now());
    const dropOp = strandedOpened(k, 'dropoff', 'A05', delivered.id);
    k.sim.putItem('A05');
    await waitFor(() => k!.ctx.doors.compartment('A05').item === true, 2000, 'item read');
    const sid = await technician(k);

    const a = await k.call('maintenanceResolveOperation', { sessionId: sid, compartmentId: 'A04', reason: 'sensor repaired' });
    expect(a.value).toMatchObject({ resolution: 'finished', door: 'closed', operation: { operationId: pickupOp, state: 'closed', outcome: 'completed' } });
    expect(k.services.repos.parcels.get(taken.id)!.status).toBe('picked_up');
    const b = await k.call('maintenanceResolveOperation', { sessionId: sid, compartmentId: 'A05', reason: 'sensor repaired' });
    expect(b.value).toMatchObject({ resolution: 'finished', operation: { operationId: dropOp, state: 'closed', outcome: 'completed' } });
    expect(k.services.repos.parcels.get(delivered.id)!.status).toBe('deposited');
    expect(pending(k)).toEqual(expect.arrayContaining(['parcel.picked_up', 'parcel.deposited']));
    expect(pending(k)).not.toContain('compartment.out_of_service');
    expect(k.services.repos.compartments.get('A04')!.inService).toBe(true);
    expect(resolvedEntry(k)!.detail).toMatchObject({ resolution: 'finished', door: 'closed', reason: 'sensor repaired' });
  });

  it('board unreadable: treated like an open door (failed, out of service, parcel kept and flagged)', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A04', { code: '626262', size: 'M' });
    const r = await k.call('pickupSubmitCode', { code: '626262' });
    await waitOp(k, r.value.operationId, ['opened']);
    const sid = await technician(k);
    k.sim.setFaults(k.services.repos.compartments.get('A04')!.board, { silent: true });
    const res = await k.call('maintenanceResolveOperation', { sessionId: sid, compartmentId: 'A04', reason: 'board dead' });
    expect(res.value).toMatchObject({ resolution: 'failed', door: 'unknown' });
    expect(k.services.repos.parcels.get(p.id)!).toMatchObject({ status: 'deposited', flagged: expect.stringMatching(/door unreadable/) });
    k.sim.clearFaults();
  });

  it('technician sessions only; nothing in progress is INVALID_STATE; a reason is required', async () => {
    k = await makeKiosk();
    const d = await k.call('authBadge', { badge: badge('driver') });
    expect((await k.call('maintenanceResolveOperation', { sessionId: d.value.sessionId, compartmentId: 'A04', reason: 'because' })).error?.code).toBe('NOT_AUTHORISED');
    expect((await k.call('maintenanceAcknowledgeAlarms', { sessionId: d.value.sessionId })).error?.code).toBe('NOT_AUTHORISED');
    const sid = await technician(k);
    expect((await k.call('maintenanceResolveOperation', { sessionId: sid, compartmentId: 'A04', reason: 'because' })).error?.code).toBe('INVALID_STATE');
    expect((await k.call('maintenanceResolveOperation', { sessionId: sid, compartmentId: 'A04', reason: ' x ' })).error?.code).toBe('BAD_INPUT');
    expect(resolvedEntry(k)).toBeNull();
  });
});

describe('maintenance: alarms kept in the store', () => {
  it('survive a core restart until a technician acknowledges them (audited)', async () => {
    const dir = tempDir();
    k = await makeKiosk({ dir, config: { doorLeftOpenSeconds: 30 } });
    k.sim.openDoor('A12'); // forced
    await waitFor(() => k!.services.repos.alarms.unacknowledged().length === 1, 3000, 'forced-open alarm stored');
    k.clock.advance(31_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(1);
    await k.close();

    k = await makeKiosk({ dir, config: { doorLeftOpenSeconds: 30 } });
    const sid = await technician(k);
    const ov = await k.call('maintenanceOverview', { sessionId: sid });
    expect(ov.value.alarms.map((a: { kind: string; compartmentId: string }) => [a.kind, a.compartmentId])).toEqual([
      ['door_left_open', 'A12'],
      ['forced_open', 'A12'],
    ]);
    const [newest, oldest] = ov.value.alarms as Array<{ id: number }>;
    expect((await k.call('maintenanceAcknowledgeAlarms', { sessionId: sid, ids: [oldest!.id] })).value).toEqual({ acknowledged: 1 });
    expect((await k.call('maintenanceOverview', { sessionId: sid })).value.alarms.map((a: { id: number }) => a.id)).toEqual([newest!.id]);
    expect((await k.call('maintenanceAcknowledgeAlarms', { sessionId: sid })).value).toEqual({ acknowledged: 1 });
    expect((await k.call('maintenanceOverview', { sessionId: sid })).value.alarms).toEqual([]);
    const acks = k.services.repos.audit.recent(20).filter((e) => e.action === 'maintenance.alarms_acknowledged');
    expect(acks.map((e) => [e.actor, JSON.parse(e.detail)])).toEqual([
      [TECH, { ids: [newest!.id] }],
      [TECH, { ids: [oldest!.id] }],
    ]);
    // Each alarm row points at the audit entry written with it.
    const row = k.ctx.db.prepare('SELECT a.kind, l.action FROM alarms a JOIN audit_log l ON l.id = a.audit_id ORDER BY a.id').all();
    expect(row).toEqual([
      { kind: 'forced_open', action: 'door.forced_open' },
      { kind: 'door_left_open', action: 'door.left_open' },
    ]);
  });
});
