import { afterEach, describe, expect, it } from 'vitest';
import { CLOCK_JUMP_THRESHOLD_MS } from '../../src-main/services/clock-watch';
import { PIN_SESSION_MS, SESSION_IDLE_MS } from '../../src-main/services/sessions';
import { badge, depositParcel, expectParcel, makeKiosk, waitFor, waitOp, type TestKiosk } from './harness';

/**
 * Issue 9 §4: the wall clock lies (NTP steps it, a technician corrects it, it is wrong after a board swap). Every
 * duration runs on the monotonic clock; durable deadlines keep wall time but move with a detected jump and are
 * capped on read. `clock.jump(ms)` moves only the wall clock; `clock.advance(ms)` is real time passing.
 */
const DAY = 86_400_000;
let k: TestKiosk;
afterEach(async () => k?.close());

/** A customer takes the parcel out of `id` and shuts the door: the reopen window (graceSeconds) starts. */
async function pickedUp(kiosk: TestKiosk, id: string, code: string): Promise<string> {
  depositParcel(kiosk, id, { code, size: kiosk.services.repos.compartments.get(id)!.size });
  const r = await kiosk.call('pickupSubmitCode', { code });
  expect(r.ok).toBe(true);
  await waitOp(kiosk, r.value.operationId, ['opened']);
  kiosk.sim.removeItem(id);
  kiosk.sim.closeDoor(id);
  expect((await waitOp(kiosk, r.value.operationId, ['closed'])).outcome).toBe('completed');
  return r.value.operationId;
}

/** Every other compartment out of service, so a drop-off can only go to `id` (or nowhere). */
function onlyCandidate(kiosk: TestKiosk, id: string): void {
  for (const c of kiosk.services.repos.compartments.all()) if (c.id !== id) kiosk.services.repos.compartments.setService(c.id, false, 'test: not a candidate');
}

async function driverSession(kiosk: TestKiosk, expSeconds = 3 * 86_400): Promise<string> {
  const r = await kiosk.call('authBadge', { badge: badge('driver', { now: kiosk.clock.now(), expSeconds }) });
  expect(r.ok).toBe(true);
  return r.value.sessionId;
}

/** The compartment a driver's scan is given now, or the error code (NO_COMPARTMENT: "keep the parcel"). */
async function scanGets(kiosk: TestKiosk, sessionId: string, size: 'S' | 'M' | 'L' | 'XL'): Promise<string> {
  const p = expectParcel(kiosk, { size });
  const r = await kiosk.call('dropoffScan', { sessionId, barcode: p.barcode });
  return r.ok ? r.value.where.compartmentId : r.error!.code;
}

describe('clock jumps: the reopen window runs on real time', () => {
  it('clock back one day while a compartment is in its reopen window: allocatable again once the window is really over', async () => {
    k = await makeKiosk({ config: { graceSeconds: 60 } });
    await pickedUp(k, 'A06', '616161');
    onlyCandidate(k, 'A06');
    const size = k.services.repos.compartments.get('A06')!.size;
    const sessionId = await driverSession(k);
    k.clock.jump(-DAY);
    expect(k.services.checkClock()?.deltaMs).toBe(-DAY);
    k.clock.advance(30_000);
    // Still inside the real window: the customer may come back, so the compartment is not offered.
    expect(k.services.repos.parcels.compartmentsInGrace(k.clock.now()).has('A06')).toBe(true);
    k.clock.advance(31_000);
    expect(await scanGets(k, sessionId, size)).toBe('A06');
  });

  it('clock forward one day inside the window: the window is not cut short, and ends when it really ends', async () => {
    k = await makeKiosk({ config: { graceSeconds: 60 } });
    await pickedUp(k, 'A06', '626262');
    onlyCandidate(k, 'A06');
    const size = k.services.repos.compartments.get('A06')!.size;
    const sessionId = await driverSession(k);
    k.clock.jump(DAY);
    expect(k.services.checkClock()?.deltaMs).toBe(DAY);
    k.clock.advance(50_000);
    // The customer may still come back for the last 10 s of the window: the compartment is not offered yet.
    expect(k.services.repos.parcels.compartmentsInGrace(k.clock.now()).has('A06')).toBe(true);
    k.clock.advance(11_000);
    expect(k.services.repos.parcels.compartmentsInGrace(k.clock.now()).has('A06')).toBe(false);
    expect(await scanGets(k, sessionId, size)).toBe('A06');
  });

  it('clock set back one day while the kiosk was off: the window is capped at start-up, not held for a day', async () => {
    const first = await makeKiosk({ config: { graceSeconds: 60 } });
    await pickedUp(first, 'A06', '636363');
    const { dir, clock } = first;
    await first.close();
    clock.jump(-DAY);
    k = await makeKiosk({ dir, clock, seed: 78, config: { graceSeconds: 60 } });
    onlyCandidate(k, 'A06');
    const size = k.services.repos.compartments.get('A06')!.size;
    const sessionId = await driverSession(k);
    k.clock.advance(61_000);
    expect(await scanGets(k, sessionId, size)).toBe('A06');
  });
});

describe('clock jumps: door left open is timed on real time', () => {
  const raised = (kiosk: TestKiosk) => kiosk.services.repos.audit.recent(200).filter((e) => e.action === 'door.left_open');

  it('clock back one day while a door is open: the alarm still fires after doorLeftOpenSeconds, with the real open time', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A04', { code: '646464' });
    const r = await k.call('pickupSubmitCode', { code: '646464' });
    await waitOp(k, r.value.operationId, ['opened']);
    k.clock.jump(-DAY);
    k.clock.advance(119_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(0);
    k.clock.advance(2_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(1);
    const ev = k.services.repos.outbox.pending(k.clock.now()).find((e) => e.type === 'door.left_open')!;
    expect(ev.payload).toEqual({ compartmentId: 'A04', openForMs: 121_000 });
  });

  it('clock forward one day while a door is open: no false alarm; it fires when the door has really been open that long', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A05', { code: '656565' });
    const r = await k.call('pickupSubmitCode', { code: '656565' });
    await waitOp(k, r.value.operationId, ['opened']);
    k.clock.jump(DAY);
    expect(k.services.checkDoorsLeftOpen()).toBe(0);
    expect(raised(k)).toHaveLength(0);
    k.clock.advance(121_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(1);
  });

  it('a door found open at start-up after the clock went back while the kiosk was off is still alarmed', async () => {
    const first = await makeKiosk();
    depositParcel(first, 'A02', { code: '666660' });
    const r = await first.call('pickupSubmitCode', { code: '666660' });
    await waitOp(first, r.value.operationId, ['opened']);
    const { dir, clock } = first;
    await first.close();
    clock.jump(-DAY);
    k = await makeKiosk({ dir, clock, seed: 79, beforeStart: (sim) => sim.openDoor('A02') });
    k.clock.advance(119_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(0);
    k.clock.advance(2_000);
    expect(k.services.checkDoorsLeftOpen()).toBe(1);
  });
});

describe('clock jumps: staff sessions', () => {
  it('clock back one day: a PIN session still ends after its hour of use, and after 5 idle minutes', async () => {
    k = await makeKiosk();
    const a = (await k.call('authPin', { pin: '246810' })).value.sessionId;
    k.clock.jump(-DAY);
    let used = 0;
    while (used + 4 * 60_000 < PIN_SESSION_MS) {
      k.clock.advance(4 * 60_000);
      used += 4 * 60_000;
      expect((await k.call('maintenanceOverview', { sessionId: a })).ok).toBe(true);
    }
    k.clock.advance(PIN_SESSION_MS - used);
    expect((await k.call('maintenanceOverview', { sessionId: a })).error?.code).toBe('SESSION_EXPIRED');

    const b = (await k.call('authPin', { pin: '246810' })).value.sessionId;
    k.clock.jump(-DAY);
    k.clock.advance(SESSION_IDLE_MS + 1000);
    expect((await k.call('maintenanceOverview', { sessionId: b })).error?.code).toBe('SESSION_EXPIRED');
  });

  it('clock forward one day: a live session does not die at its next call', async () => {
    k = await makeKiosk();
    const driver = await driverSession(k);
    const tech = (await k.call('authPin', { pin: '246810' })).value.sessionId;
    k.clock.advance(60_000);
    k.clock.jump(DAY);
    expect((await k.call('dropoffSummary', { sessionId: driver })).ok).toBe(true);
    expect((await k.call('maintenanceOverview', { sessionId: tech })).ok).toBe(true);
  });

  it("a badge's own expiry stays a calendar rule: a corrected clock past it ends the session", async () => {
    k = await makeKiosk();
    const driver = await driverSession(k, 3600);
    k.clock.jump(2 * 3_600_000);
    expect((await k.call('dropoffSummary', { sessionId: driver })).error?.code).toBe('SESSION_EXPIRED');
  });
});

describe('clock watch: a wall-clock jump is detected, audited and reported to the fleet', () => {
  const jumps = (kiosk: TestKiosk) => kiosk.services.repos.audit.recent(200).filter((e) => e.action === 'clock.jumped');

  it('both ways; small corrections are not jumps', async () => {
    k = await makeKiosk();
    const before = k.clock.now();
    k.clock.advance(5_000);
    k.clock.jump(-DAY);
    const back = k.services.checkClock();
    expect(back).toEqual({ fromMs: before + 5_000, toMs: before + 5_000 - DAY, deltaMs: -DAY });
    expect(JSON.parse(jumps(k)[0]!.detail)).toEqual({ fromIso: new Date(before + 5_000).toISOString(), toIso: new Date(before + 5_000 - DAY).toISOString(), deltaMs: -DAY });
    k.clock.jump(2 * DAY);
    expect(k.services.checkClock()?.deltaMs).toBe(2 * DAY);
    k.clock.jump(-(CLOCK_JUMP_THRESHOLD_MS - 1000));
    expect(k.services.checkClock()).toBeNull();
    expect(jumps(k)).toHaveLength(2);
    const queued = k.services.repos.outbox.pending(k.clock.now()).filter((e) => e.type === 'clock.jumped');
    expect(queued.map((e) => e.payload.deltaMs)).toEqual([-DAY, 2 * DAY]);
    expect(k.nudges.count).toBeGreaterThan(0);
    expect(k.services.repos.audit.verify().ok).toBe(true);
  });

  it('the watch notices a jump by itself, without being asked', async () => {
    k = await makeKiosk();
    k.clock.jump(-DAY);
    await waitFor(() => jumps(k).length === 1, 10_000, 'clock.jumped from the watch timer');
  });
});

describe('clock jumps: the outbox is never held for days', () => {
  it('an event set aside while the clock was two days fast waits at most its own deferral after the correction', async () => {
    k = await makeKiosk();
    const { outbox } = k.services.repos;
    const capMs = 3_600_000; // the longest the outbox ever defers an event (a refused one: poisonRetryMs)
    k.clock.jump(2 * DAY);
    const id = outbox.enqueue('door.forced_open', { compartmentId: 'A01' }, k.clock.now());
    outbox.markFailed([id], k.clock.now() + capMs, 'refused');
    k.clock.jump(-2 * DAY); // corrected while the kiosk was off: nothing saw the jump
    expect(outbox.pending(k.clock.now(), 100, capMs).map((e) => e.id)).not.toContain(id);
    k.clock.advance(capMs);
    expect(outbox.pending(k.clock.now(), 100, capMs).map((e) => e.id)).toContain(id);
  });

  it('a jump the watch sees moves a deferral with it: the event is due after the rest of its deferral in real time', async () => {
    k = await makeKiosk();
    const { outbox } = k.services.repos;
    const id = outbox.enqueue('door.forced_open', { compartmentId: 'A01' }, k.clock.now());
    outbox.markFailed([id], k.clock.now() + 600_000, 'refused');
    k.clock.advance(100_000);
    k.clock.jump(-DAY);
    expect(k.services.checkClock()?.deltaMs).toBe(-DAY);
    k.clock.advance(499_000);
    expect(outbox.pending(k.clock.now(), 100, 3_600_000).map((e) => e.id)).not.toContain(id);
    k.clock.advance(1_000);
    expect(outbox.pending(k.clock.now(), 100, 3_600_000).map((e) => e.id)).toContain(id);
  });
});
