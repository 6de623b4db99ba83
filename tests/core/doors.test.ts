import { afterEach, describe, expect, it } from 'vitest';
import { bridgeDoorEvents } from '../../src-main/door-events';
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

  it('a forced door holding a parcel: alarm pushed, audited with the parcel, parcel flagged', async () => {
    k = await makeKiosk();
    const stopBridge = bridgeDoorEvents(k.ctx);
    try {
      const p = depositParcel(k, 'A05', { size: 'M' });
      const other = depositParcel(k, 'A06', { size: 'M' });
      k.sim.openDoor('A05');
      await waitFor(() => k!.services.repos.parcels.get(p.id)!.flagged, 3000, 'parcel flagged');
      expect(k.services.repos.parcels.get(p.id)!.flagged).toMatch(/forced open/);
      expect(k.services.repos.parcels.get(other.id)!.flagged).toBeNull();
      expect(k.events).toContainEqual({ event: 'alarm', payload: { kind: 'forced_open', compartmentId: 'A05' } });
      const entry = k.services.repos.audit.recent(10).find((e) => e.action === 'door.forced_open')!;
      expect(JSON.parse(entry.detail)).toEqual({ compartmentId: 'A05', parcelId: p.id });
      expect(k.services.repos.parcels.get(p.id)!.status).toBe('deposited');
    } finally {
      stopBridge();
    }
  });
});

describe('jam with no operation in progress', () => {
  it('is recorded like an operation jam: alarm with its audit entry, out of service, queued; once only', async () => {
    k = await makeKiosk({ jamMs: 100 });
    const stopBridge = bridgeDoorEvents(k.ctx);
    try {
      const p = depositParcel(k, 'A07', { size: 'L' });
      k.sim.jam('A07');
      // An unlock the journal does not know about (as after a restart): the board still reports the jam.
      await k.ctx.doors.unlock('A07');
      await waitFor(() => k!.services.repos.alarms.unacknowledged().find((a) => a.kind === 'jammed'), 3000, 'jam alarm');
      const alarms = k.services.repos.alarms.unacknowledged();
      expect(alarms).toHaveLength(1);
      expect(alarms[0]).toMatchObject({ kind: 'jammed', compartmentId: 'A07' });
      const entry = k.services.repos.audit.recent(20).find((e) => e.id === alarms[0]!.auditId)!;
      expect(entry.action).toBe('door.jammed');
      const detail = JSON.parse(entry.detail) as { reference: string; operationId: null };
      expect(detail).toMatchObject({ compartmentId: 'A07', operationId: null });
      expect(detail.reference).toMatch(/^R-[A-Z2-9]{6}$/);
      expect(k.services.repos.compartments.get('A07')!.inService).toBe(false);
      expect(k.services.repos.parcels.get(p.id)!.flagged).toMatch(/did not open/);
      const queued = k.services.repos.outbox.pending(k.clock.now()).filter((e) => e.type === 'door.jammed');
      expect(queued.map((e) => e.payload)).toEqual([{ compartmentId: 'A07', reference: detail.reference }]);
      expect(k.events).toContainEqual({ event: 'alarm', payload: { kind: 'jammed', compartmentId: 'A07' } });
      // The same fault reported again: no second alarm.
      await k.ctx.doors.unlock('A07');
      await waitFor(() => k!.events.filter((e) => e.event === 'alarm').length >= 2, 3000, 'second jam');
      expect(k.services.repos.alarms.unacknowledged()).toHaveLength(1);
    } finally {
      stopBridge();
    }
  });

  it("an operation's jam is recorded once, not again as an orphan", async () => {
    k = await makeKiosk({ jamMs: 100 });
    depositParcel(k, 'A07', { code: '515151', size: 'L' });
    k.sim.jam('A07');
    const r = await k.call('pickupSubmitCode', { code: '515151' });
    await waitOp(k, r.value.operationId, ['failed']);
    await new Promise((res) => setTimeout(res, 300));
    expect(k.services.repos.alarms.unacknowledged().filter((a) => a.kind === 'jammed')).toHaveLength(1);
    expect(k.services.repos.audit.recent(50).filter((e) => e.action === 'door.jammed')).toHaveLength(1);
  });
});

describe('door left open', () => {
  const alarms = (kiosk: TestKiosk) => kiosk.events.filter((e) => e.event === 'alarm' && (e.payload as { kind: string }).kind === 'door_left_open');
  const audited = (kiosk: TestKiosk) => kiosk.services.repos.audit.recent(200).filter((e) => e.action === 'door.left_open');

  it('alarms once per opening after the configured time (default 2 min), audited and queued for the server', async () => {
    k = await makeKiosk();
    expect(k.ctx.config.doorLeftOpenSeconds).toBe(120);
    depositParcel(k, 'A04', { code: '474747', size: 'M' });
    const r = await k.call('pickupSubmitCode', { code: '474747' });
    await waitOp(k, r.value.operationId, ['opened']);
    k.clock.advance(119_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(0);
    k.clock.advance(2_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(1);
    k.clock.advance(60_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(0);
    expect(alarms(k)).toEqual([{ event: 'alarm', payload: { kind: 'door_left_open', compartmentId: 'A04' } }]);
    expect(audited(k)).toHaveLength(1);
    expect(JSON.parse(audited(k)[0]!.detail)).toMatchObject({ compartmentId: 'A04', operationId: r.value.operationId, purpose: 'pickup' });
    const ev = k.services.repos.outbox.pending(k.clock.now()).find((e) => e.type === 'door.left_open')!;
    expect(ev.payload).toEqual({ compartmentId: 'A04', openForMs: 121_000 });
    // Closed, then left open again: a new occurrence.
    k.sim.removeItem('A04');
    k.sim.closeDoor('A04');
    await waitOp(k, r.value.operationId, ['closed']);
    const again = await k.call('pickupSubmitCode', { code: '474747' });
    await waitOp(k, again.value.operationId, ['opened']);
    k.clock.advance(121_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(1);
    expect(audited(k)).toHaveLength(2);
  });

  it('a door closed in time raises nothing; the timer raises it without being asked; the time is configurable', async () => {
    k = await makeKiosk({ config: { doorLeftOpenSeconds: 30 } });
    const t = await k.call('authPin', { pin: '246810' });
    const a = await k.call('maintenanceOpenDoor', { sessionId: t.value.sessionId, compartmentId: 'A10', reason: 'cleaning' });
    await waitOp(k, a.value.operationId, ['opened']);
    k.clock.advance(29_000);
    k.sim.closeDoor('A10');
    await waitOp(k, a.value.operationId, ['closed']);
    k.clock.advance(60_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(0);
    // A door the sensors see open with no operation (forced) counts too, and the 1 s timer finds it.
    k.sim.openDoor('A11');
    await waitFor(() => k!.services.repos.audit.recent(5).some((e) => e.action === 'door.forced_open'), 3000, 'forced open');
    k.clock.advance(31_000);
    await waitFor(() => alarms(k!).length === 1, 3000, 'door_left_open alarm from the timer');
    expect((alarms(k)[0]!.payload as { compartmentId: string }).compartmentId).toBe('A11');
    expect(audited(k)).toHaveLength(1);
  });

  it('a door found open at start-up is timed from its journal and alarmed', async () => {
    const first = await makeKiosk();
    depositParcel(first, 'A02', { code: '252525' });
    const r = await first.call('pickupSubmitCode', { code: '252525' });
    await waitOp(first, r.value.operationId, ['opened']);
    const { dir, clock } = first;
    await first.close();
    clock.advance(100_000);
    k = await makeKiosk({ dir, clock, seed: 77, beforeStart: (sim) => sim.openDoor('A02') });
    expect(k.services.repos.doorOps.get(r.value.operationId)!.state).toBe('opened');
    k.clock.advance(19_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(0);
    k.clock.advance(2_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(1);
  });
});

describe('doors: port', () => {
  it('port down: the code is refused with HARDWARE_OFFLINE before anything is journaled, nothing is lost', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A03', { code: '909090' });
    k.sim.unplug();
    await waitFor(() => k!.ctx.doors.health().port !== 'open', 3000, 'port down');
    const r = await k.call('pickupSubmitCode', { code: '909090' });
    expect(r.error?.code).toBe('HARDWARE_OFFLINE');
    expect(k.ctx.db.prepare('SELECT state, outcome FROM door_operations').all()).toEqual([]);
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
