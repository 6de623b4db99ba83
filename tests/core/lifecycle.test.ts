import { afterEach, describe, expect, it } from 'vitest';
import { badge, depositParcel, makeKiosk, waitOp, type TestKiosk } from './harness';
import { hashPin } from '../../src-main/services/pin-hash';

let k: TestKiosk;
afterEach(async () => k?.close());

describe('expiry sweep and collection', () => {
  it('expires overdue parcels once (idempotent), then a driver collects them and the compartment frees', async () => {
    k = await makeKiosk();
    const a = depositParcel(k, 'A01', { code: '121212' });
    const b = depositParcel(k, 'A02', { code: '131313' });
    k.clock.advance(2 * 86_400_000);
    const c = depositParcel(k, 'A03', { code: '141414' });
    k.clock.advance(86_400_000 + 1);
    expect(k.services.sweep()).toEqual({ expired: 2 });
    expect(k.services.sweep()).toEqual({ expired: 0 });
    const expiredEvents = k.services.repos.outbox.pending(k.clock.now()).filter((e) => e.type === 'parcel.expired');
    expect(expiredEvents).toHaveLength(2);
    expect(k.services.repos.parcels.get(c.id)!.status).toBe('deposited');
    expect((await k.call('pickupSubmitCode', { code: a.code })).error?.code).toBe('CODE_EXPIRED');

    const s = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
    const sessionId = s.value.sessionId;
    const list = await k.call('collectionList', { sessionId });
    expect(list.value.parcels.map((p: { barcode: string }) => p.barcode).sort()).toEqual([a.barcode, b.barcode].sort());
    const freeBefore = k.services.freeBySize().S;
    const open = await k.call('collectionOpen', { sessionId, parcelId: a.id });
    expect(open.value.where.compartmentId).toBe('A01');
    await waitOp(k, open.value.operationId, ['opened']);
    k.sim.removeItem('A01');
    k.sim.closeDoor('A01');
    expect((await waitOp(k, open.value.operationId, ['closed'])).outcome).toBe('completed');
    expect(k.services.repos.parcels.get(a.id)).toMatchObject({ status: 'collected', codeDigest: null });
    expect(k.services.freeBySize().S).toBe(freeBefore + 1);
    expect(k.services.repos.outbox.pending(k.clock.now()).some((e) => e.type === 'parcel.collected')).toBe(true);
    // Door closed with the parcel still in: not collected.
    const openB = await k.call('collectionOpen', { sessionId, parcelId: b.id });
    await waitOp(k, openB.value.operationId, ['opened']);
    k.sim.closeDoor('A02');
    expect((await waitOp(k, openB.value.operationId, ['closed'])).outcome).toBe('item_left');
    expect(k.services.repos.parcels.get(b.id)!.status).toBe('expired');
    expect((await k.call('collectionOpen', { sessionId, parcelId: c.id })).error?.code).toBe('INVALID_STATE');
  });

  it('sweeps at start-up', async () => {
    const first = await makeKiosk();
    depositParcel(first, 'A04', { size: 'M' });
    const dir = first.dir;
    const clock = first.clock;
    await first.close();
    clock.advance(4 * 86_400_000);
    k = await makeKiosk({ dir, clock, seed: 9 });
    expect(k.services.repos.parcels.expired()).toHaveLength(1);
  });
});

describe('maintenance', () => {
  it('PIN or badge → overview, open any door with a reason, service state, self-test, audit — all audited', async () => {
    k = await makeKiosk();
    expect((await k.call('authPin', { pin: '0000' })).error?.code).toBe('PIN_INVALID');
    const pin = await k.call('authPin', { pin: '246810' });
    expect(pin.value.role).toBe('technician');
    const driver = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
    expect((await k.call('maintenanceOverview', { sessionId: driver.value.sessionId })).error?.code).toBe('NOT_AUTHORISED');
    const t = await k.call('authBadge', { badge: badge('technician', { now: k.clock.now() }) });
    const sessionId = t.value.sessionId;
    depositParcel(k, 'A05', { size: 'M' });
    const ov = await k.call('maintenanceOverview', { sessionId });
    expect(ov.value.compartments).toHaveLength(24);
    expect(ov.value.compartments.find((x: { id: string }) => x.id === 'A05')).toMatchObject({ status: 'occupied', parcelBarcode: expect.any(String) });
    expect(ov.value.boards).toHaveLength(2);
    const open = await k.call('maintenanceOpenDoor', { sessionId, compartmentId: 'A10', reason: 'cleaning' });
    await waitOp(k, open.value.operationId, ['opened']);
    k.sim.closeDoor('A10');
    await waitOp(k, open.value.operationId, ['closed']);
    const out = await k.call('maintenanceSetService', { sessionId, compartmentId: 'A10', inService: false, reason: 'hinge loose' });
    expect(out.value).toMatchObject({ inService: false, status: 'out_of_service' });
    expect(k.services.freeBySize().S).toBe(7);
    const back = await k.call('maintenanceSetService', { sessionId, compartmentId: 'A10', inService: true, reason: 'hinge fixed' });
    expect(back.value.status).toBe('free');
    const st = await k.call('maintenanceSelfTest', { sessionId });
    expect(st.value.boards.map((b: { ok: boolean }) => b.ok)).toEqual([true, true]);
    const audit = await k.call('maintenanceAudit', { sessionId, limit: 50 });
    expect(audit.value.chain.ok).toBe(true);
    const actions = audit.value.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['maintenance.open_door', 'maintenance.door_closed', 'compartment.out_of_service', 'compartment.in_service', 'maintenance.self_test', 'auth.session_started']),
    );
    const sync = await k.call('maintenanceSync', { sessionId });
    expect(sync.value.status).toBe('offline');
  });

  it('no demo PIN once a fleet server is configured without a PIN digest', async () => {
    k = await makeKiosk({ config: { server: { url: 'http://127.0.0.1:9' } } });
    expect((await k.call('authPin', { pin: '246810' })).error?.code).toBe('NOT_AVAILABLE');
  });

  it('no demo PIN on real lock boards, even without a fleet server', async () => {
    k = await makeKiosk({ config: { serial: { protocol: 'kerong-cu16', path: '/dev/ttyUSB0' } } });
    expect((await k.call('authPin', { pin: '246810' })).error?.code).toBe('NOT_AVAILABLE');
  });

  it('a configured PIN replaces the demo PIN', async () => {
    k = await makeKiosk({ config: { technicianPinHash: hashPin('97531024', undefined, 10) } });
    expect((await k.call('authPin', { pin: '246810' })).error?.code).toBe('PIN_INVALID');
    expect((await k.call('authPin', { pin: '97531024' })).value.role).toBe('technician');
    expect(JSON.stringify(k.services.repos.audit.recent(50))).not.toContain('97531024');
  });

  it('wrong PINs lock PIN entry out (even the right PIN waits), audited, doubling on repeat', async () => {
    k = await makeKiosk();
    for (let i = 0; i < 4; i++) expect((await k.call('authPin', { pin: `00${i}0` })).error?.code).toBe('PIN_INVALID');
    const fifth = await k.call('authPin', { pin: '1111' });
    expect(fifth.error).toMatchObject({ code: 'LOCKED_OUT', details: { retryAfterMs: 5 * 60_000 } });
    expect((await k.call('authPin', { pin: '246810' })).error?.code).toBe('LOCKED_OUT');
    // The code keypad has its own lockout: customers are not locked out by a PIN guesser.
    expect(k.services.pickup.lockout).not.toBe(k.services.sessions.pinGuard);
    expect(k.services.repos.attempts.lock('code').lockedUntil).toBe(0);
    k.clock.advance(5 * 60_000);
    for (let i = 0; i < 5; i++) await k.call('authPin', { pin: '2222' });
    expect((await k.call('authPin', { pin: '246810' })).error).toMatchObject({ code: 'LOCKED_OUT', details: { retryAfterMs: 10 * 60_000 } });
    expect(k.services.repos.audit.recent(50).filter((e) => e.action === 'pin.lockout')).toHaveLength(2);
    k.clock.advance(10 * 60_000);
    expect((await k.call('authPin', { pin: '246810' })).ok).toBe(true);
  });
});

describe('staff roles and sessions', () => {
  it('a driver cannot call maintenance, a technician cannot call drop-off or collection (NOT_AUTHORISED), nothing changes', async () => {
    k = await makeKiosk();
    const drv = (await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) })).value.sessionId;
    const tech = (await k.call('authBadge', { badge: badge('technician', { now: k.clock.now() }) })).value.sessionId;
    const p = depositParcel(k, 'A01');
    const before = k.ctx.db.prepare('SELECT * FROM parcels, compartments ORDER BY 1').all();
    const unlocks = k.sim.received.unlock;
    const asDriver: Array<[string, Record<string, unknown>]> = [
      ['maintenanceOverview', {}],
      ['maintenanceOpenDoor', { compartmentId: 'A01', reason: 'take a look' }],
      ['maintenanceSetService', { compartmentId: 'A01', inService: false, reason: 'broken' }],
      ['maintenanceSelfTest', {}],
      ['maintenanceAudit', {}],
      ['maintenanceSync', {}],
    ];
    for (const [call, input] of asDriver) expect((await k.call(call, { sessionId: drv, ...input })).error?.code, call).toBe('NOT_AUTHORISED');
    const asTech: Array<[string, Record<string, unknown>]> = [
      ['dropoffScan', { barcode: p.barcode }],
      ['dropoffDoesntFit', { operationId: 'opopopop01' }],
      ['dropoffDoorDidntOpen', { operationId: 'opopopop01' }],
      ['dropoffSummary', {}],
      ['collectionList', {}],
      ['collectionOpen', { parcelId: p.id }],
    ];
    for (const [call, input] of asTech) expect((await k.call(call, { sessionId: tech, ...input })).error?.code, call).toBe('NOT_AUTHORISED');
    expect(k.ctx.db.prepare('SELECT * FROM parcels, compartments ORDER BY 1').all()).toEqual(before);
    expect(k.sim.received.unlock).toBe(unlocks);
  });

  it('a session ends at its badge expiry even while in use, and a PIN session is capped', async () => {
    k = await makeKiosk();
    const s = (await k.call('authBadge', { badge: badge('driver', { now: k.clock.now(), expSeconds: 150 }) })).value.sessionId;
    k.clock.advance(100_000);
    expect((await k.call('dropoffSummary', { sessionId: s })).ok).toBe(true);
    k.clock.advance(51_000);
    expect((await k.call('dropoffSummary', { sessionId: s })).error?.code).toBe('SESSION_EXPIRED');
    const t = (await k.call('authPin', { pin: '246810' })).value.sessionId;
    for (let i = 0; i < 14; i++) {
      k.clock.advance(4 * 60_000);
      expect((await k.call('maintenanceOverview', { sessionId: t })).ok).toBe(true);
    }
    k.clock.advance(4 * 60_000); // never idle for 5 minutes, but 60 minutes since the PIN
    expect((await k.call('maintenanceOverview', { sessionId: t })).error?.code).toBe('SESSION_EXPIRED');
  });
});

describe('availability push', () => {
  const pushed = (kiosk: TestKiosk) => kiosk.events.filter((e) => e.event === 'availability').map((e) => (e.payload as { freeBySize: Record<string, number> }).freeBySize);

  it('free counts are pushed when a technician changes service state and when a parcel comes or goes, only on change', async () => {
    k = await makeKiosk();
    const before = k.services.freeBySize();
    const t = await k.call('authBadge', { badge: badge('technician', { now: k.clock.now() }) });
    const sessionId = t.value.sessionId;
    expect(pushed(k)).toEqual([]); // a sign-in changes no count
    await k.call('maintenanceSetService', { sessionId, compartmentId: 'A10', inService: false, reason: 'hinge loose' });
    expect(pushed(k)).toEqual([{ ...before, S: before.S - 1 }]);
    await k.call('maintenanceSetService', { sessionId, compartmentId: 'A10', inService: true, reason: 'hinge fixed' });
    expect(pushed(k).at(-1)).toEqual(before);
    // A pickup frees its compartment: pushed when the door closes on an empty compartment.
    depositParcel(k, 'A05', { code: '565656', size: 'M' });
    const r = await k.call('pickupSubmitCode', { code: '565656' });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.removeItem('A05');
    k.sim.closeDoor('A05');
    await waitOp(k, r.value.operationId, ['closed']);
    expect(pushed(k).at(-1)).toEqual(k.services.freeBySize());
    expect(pushed(k).at(-1)).toEqual(before);
    const n = pushed(k).length;
    await k.call('maintenanceOverview', { sessionId });
    expect(pushed(k)).toHaveLength(n);
  });
});
