import { afterEach, describe, expect, it } from 'vitest';
import { badge, depositParcel, expectParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

/**
 * Red-team findings 3, 6, 7 (issue 9 §4): a parcel's expiry is "N days from the deposit" — a promise to a person —
 * so a deposit stamped by a wrong wall clock is re-anchored when the clock is corrected, and a bogus forward jump
 * never expires parcels for good; keypad failures keep their real age across a jump; nothing acting on wall time runs
 * on a jump the 2 s watch has not seen yet. `clock.jump` moves only the wall clock, `clock.advance` is real time.
 */
const DAY = 86_400_000;
let k: TestKiosk | null = null;
afterEach(async () => {
  await k?.close();
  k = null;
});

async function deliver(kiosk: TestKiosk, barcode: string): Promise<string> {
  const s = await kiosk.call('authBadge', { badge: badge('driver', { now: kiosk.clock.now(), expSeconds: 30 * 86_400 }) });
  const r = await kiosk.call('dropoffScan', { sessionId: s.value.sessionId, barcode });
  expect(r.ok).toBe(true);
  const id = r.value.where.compartmentId as string;
  await waitOp(kiosk, r.value.operationId, ['opened']);
  kiosk.sim.putItem(id);
  kiosk.sim.closeDoor(id);
  await waitOp(kiosk, r.value.operationId, ['closed']);
  return id;
}

const statusOf = (t: TestKiosk, id: string) => t.services.repos.parcels.get(id)!.status;
const corrections = (t: TestKiosk) =>
  t.services.repos.outbox
    .pending(t.clock.now())
    .filter((e) => e.type === 'parcel.expiry_corrected')
    .map((e) => e.payload as { parcelId: string; expiresAt: string });

describe('parcel expiry after a wall-clock jump (finding 3)', () => {
  it('deposited while the clock was 4 days slow, then NTP corrects it: the code still works, the expiry is 3 real days from the deposit, the fleet is told', async () => {
    k = await makeKiosk();
    k.clock.jump(-4 * DAY);
    k.services.checkClock();
    const p = expectParcel(k, { size: 'S' });
    await deliver(k, p.barcode);
    const realDeposit = k.clock.now() + 4 * DAY;
    k.clock.advance(60_000);
    k.clock.jump(4 * DAY);
    k.services.sweep(); // before the watch's 2 s tick: the sweep checks the clock first (finding 7)
    expect(statusOf(k, p.id)).toBe('deposited');
    const row = k.services.repos.parcels.get(p.id)!;
    expect(row.expiresAt).toBe(realDeposit + 3 * DAY);
    expect(corrections(k)).toContainEqual(expect.objectContaining({ parcelId: p.id, expiresAt: new Date(realDeposit + 3 * DAY).toISOString() }));
    const r = await k.call('pickupSubmitCode', { code: p.code });
    expect(r.error).toBeUndefined();
  });

  it('a bogus +4 d jump then the correction back: a parcel deposited by this process never expires', async () => {
    k = await makeKiosk();
    const p = expectParcel(k, { size: 'S' });
    await deliver(k, p.barcode);
    const expiresAt = k.services.repos.parcels.get(p.id)!.expiresAt;
    k.clock.jump(4 * DAY);
    k.services.sweep();
    expect(statusOf(k, p.id)).toBe('deposited');
    k.clock.advance(5 * 60_000);
    k.clock.jump(-4 * DAY);
    k.services.sweep();
    expect(statusOf(k, p.id)).toBe('deposited');
    expect(k.services.repos.parcels.get(p.id)!.expiresAt).toBe(expiresAt);
    expect((await k.call('pickupSubmitCode', { code: p.code })).error).toBeUndefined();
  });

  it('a parcel already inside at start-up, expired by a bogus +4 d jump: deposited again when the jump is reverted, the fleet told', async () => {
    const first = await makeKiosk();
    const p = depositParcel(first, 'A03');
    await first.close();
    // Restarted: the parcel's deposit stamp is an earlier process's.
    k = await makeKiosk({ dir: first.dir, clock: first.clock, beforeStart: (sim) => sim.putItem('A03') });
    k.clock.jump(4 * DAY);
    k.services.sweep();
    expect(statusOf(k, p.id)).toBe('expired'); // an earlier clock's stamp: a forward jump may be a true correction
    k.clock.advance(5 * 60_000);
    k.clock.jump(-4 * DAY);
    k.services.sweep();
    expect(statusOf(k, p.id)).toBe('deposited');
    expect(corrections(k).map((c) => c.parcelId)).toContain(p.id);
    expect((await k.call('pickupSubmitCode', { code: p.code })).error).toBeUndefined();
  });
});

describe('a jump is seen before any wall-time decision (finding 7)', () => {
  it('jump forward one day, the sweep runs before the 2 s watch: a just-picked parcel keeps its reopen window', async () => {
    k = await makeKiosk({ config: { graceSeconds: 60 } });
    const p = depositParcel(k, 'A06', { size: k.services.repos.compartments.get('A06')!.size });
    const r = await k.call('pickupSubmitCode', { code: p.code });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.removeItem('A06');
    k.sim.closeDoor('A06');
    await waitOp(k, r.value.operationId, ['closed']);
    k.clock.jump(DAY);
    k.services.sweep();
    expect(k.services.repos.parcels.compartmentsInGrace(k.clock.now()).has('A06')).toBe(true);
  });
});

describe('keypad hardening after a jump back (finding 6)', () => {
  it('failures 23 h old, clock back 2 days: hardening ends 24 real hours after them, not ~2x later', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A03');
    for (let i = 0; i < 5; i++) expect((await k.call('pickupSubmitCode', { code: String(900000 + i) })).ok).toBe(false);
    expect((await k.call('pickupKeypadMode', {})).value.checkRequired).toBe(true);
    k.clock.advance(23 * 3_600_000);
    k.clock.jump(-2 * DAY);
    k.services.checkClock();
    expect((await k.call('pickupKeypadMode', {})).value.checkRequired).toBe(true);
    k.clock.advance(2 * 3_600_000);
    expect((await k.call('pickupKeypadMode', {})).value.checkRequired).toBe(false);
  });
});
