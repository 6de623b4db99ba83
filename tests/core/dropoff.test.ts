import { afterEach, describe, expect, it } from 'vitest';
import { assertNoSharedCompartments, badge, expectParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

let k: TestKiosk;
afterEach(async () => k?.close());

async function driver(kiosk: TestKiosk, bid = 'b_driver0001'): Promise<string> {
  const r = await kiosk.call('authBadge', { badge: badge('driver', { bid, now: kiosk.clock.now() }) });
  expect(r.ok).toBe(true);
  return r.value.sessionId;
}

async function deliver(kiosk: TestKiosk, sessionId: string, barcode: string) {
  const r = await kiosk.call('dropoffScan', { sessionId, barcode });
  if (!r.ok) return r;
  const id = r.value.where.compartmentId;
  await waitOp(kiosk, r.value.operationId, ['opened']);
  kiosk.sim.putItem(id);
  kiosk.sim.closeDoor(id);
  await waitOp(kiosk, r.value.operationId, ['closed']);
  return r;
}

describe('drop-off', () => {
  it('badge → scan → best-fit compartment → deposited when the door closes on an item', async () => {
    k = await makeKiosk();
    const sessionId = await driver(k);
    const p = expectParcel(k, { size: 'M' });
    const r = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    expect(r.ok).toBe(true);
    expect(r.value.where.size).toBe('M');
    const id = r.value.where.compartmentId;
    await waitOp(k, r.value.operationId, ['opened']);
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('expected');
    // Not "delivered" while the door is open.
    expect((await k.call('dropoffSummary', { sessionId })).value.delivered).toEqual([]);
    k.sim.putItem(id);
    k.sim.closeDoor(id);
    expect((await waitOp(k, r.value.operationId, ['closed'])).outcome).toBe('completed');
    const parcel = k.services.repos.parcels.get(p.id)!;
    expect(parcel.status).toBe('deposited');
    expect(parcel.expiresAt).toBe(k.clock.now() + 3 * 86_400_000);
    const ev = k.services.repos.outbox.pending(k.clock.now()).find((e) => e.type === 'parcel.deposited')!;
    expect(ev.payload).toMatchObject({ parcelId: p.id, barcode: p.barcode, badgeId: 'b_driver0001', compartmentId: id, size: 'M' });
    expect(ev.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const summary = await k.call('dropoffSummary', { sessionId });
    expect(summary.value.delivered).toEqual([{ barcode: p.barcode, compartmentId: id, state: 'closed' }]);
    // The code now opens it.
    expect((await k.call('pickupSubmitCode', { code: p.code })).value.where.compartmentId).toBe(id);
  });

  it('clear errors for unknown, duplicate and already-deposited barcodes', async () => {
    k = await makeKiosk();
    const sessionId = await driver(k);
    expect((await k.call('dropoffScan', { sessionId, barcode: 'NOPE-0001' })).error?.code).toBe('UNKNOWN_PARCEL');
    const p = expectParcel(k);
    const first = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    expect(first.ok).toBe(true);
    expect((await k.call('dropoffScan', { sessionId, barcode: p.barcode })).error?.code).toBe('DUPLICATE_SCAN');
    const id = first.value.where.compartmentId;
    await waitOp(k, first.value.operationId, ['opened']);
    k.sim.putItem(id);
    k.sim.closeDoor(id);
    await waitOp(k, first.value.operationId, ['closed']);
    expect((await k.call('dropoffScan', { sessionId, barcode: p.barcode })).error?.code).toBe('ALREADY_DEPOSITED');
    // Picked up since: the parcel is not "already in the locker" any more, and the driver is told what did happen.
    const pick = await k.call('pickupSubmitCode', { code: p.code });
    await waitOp(k, pick.value.operationId, ['opened']);
    k.sim.removeItem(id);
    k.sim.closeDoor(id);
    await waitOp(k, pick.value.operationId, ['closed']);
    const again = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    expect(again.error?.code).toBe('ALREADY_COMPLETED');
  });

  it('door closed with nothing inside: nothing deposited, the parcel can be scanned again', async () => {
    k = await makeKiosk();
    const sessionId = await driver(k);
    const p = expectParcel(k);
    const r = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.closeDoor(r.value.where.compartmentId);
    expect((await waitOp(k, r.value.operationId, ['closed'])).outcome).toBe('empty_on_close');
    expect(k.services.repos.parcels.get(p.id)).toMatchObject({ status: 'expected', compartmentId: null });
    expect((await deliver(k, sessionId, p.barcode)).ok).toBe(true);
  });

  it("doesn't fit → the next size up; the first compartment frees once its door closes", async () => {
    k = await makeKiosk();
    const sessionId = await driver(k);
    const p = expectParcel(k, { size: 'S' });
    const r = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    const small = r.value.where.compartmentId;
    await waitOp(k, r.value.operationId, ['opened']);
    const freeS = k.services.freeBySize().S;
    const bigger = await k.call('dropoffDoesntFit', { sessionId, operationId: r.value.operationId });
    expect(bigger.ok).toBe(true);
    expect(bigger.value.where.size).toBe('M');
    expect(k.services.repos.doorOps.get(r.value.operationId)!.outcome).toBe('cancelled');
    k.sim.closeDoor(small);
    await waitOp(k, r.value.operationId, ['closed']);
    expect(k.services.freeBySize().S).toBe(freeS + 1);
    const mid = bigger.value.where.compartmentId;
    await waitOp(k, bigger.value.operationId, ['opened']);
    k.sim.putItem(mid);
    k.sim.closeDoor(mid);
    await waitOp(k, bigger.value.operationId, ['closed']);
    expect(k.services.repos.parcels.get(p.id)).toMatchObject({ status: 'deposited', compartmentId: mid, size: 'M' });
  });

  it("door didn't open → that compartment out of service, another one opens", async () => {
    k = await makeKiosk({ jamMs: 5000 });
    const sessionId = await driver(k);
    const p = expectParcel(k, { size: 'L' });
    k.sim.jam('A07');
    k.sim.jam('A15');
    k.sim.jam('A23');
    const r = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    const first = r.value.where.compartmentId;
    expect(['A07', 'A15', 'A23']).toContain(first);
    const other = await k.call('dropoffDoorDidntOpen', { sessionId, operationId: r.value.operationId });
    expect(other.ok).toBe(true);
    expect(other.value.where.compartmentId).not.toBe(first);
    expect(k.services.repos.compartments.get(first)!.inService).toBe(false);
    expect(k.services.repos.doorOps.get(r.value.operationId)).toMatchObject({ state: 'failed', outcome: 'jammed' });
    assertNoSharedCompartments(k);
  });

  it('locker full → the driver keeps the parcel, an event is queued', async () => {
    k = await makeKiosk({ config: { allocation: 'exact-fit' } });
    const sessionId = await driver(k);
    const xl = [expectParcel(k, { size: 'XL' }), expectParcel(k, { size: 'XL' }), expectParcel(k, { size: 'XL' })];
    for (const p of xl) expect((await deliver(k, sessionId, p.barcode)).ok).toBe(true);
    const extra = expectParcel(k, { size: 'XL' });
    const r = await k.call('dropoffScan', { sessionId, barcode: extra.barcode });
    expect(r.error?.code).toBe('NO_COMPARTMENT');
    expect(k.services.repos.parcels.get(extra.id)).toMatchObject({ status: 'expected', compartmentId: null });
    const ev = k.services.repos.outbox.pending(k.clock.now()).find((e) => e.type === 'parcel.kept_by_driver')!;
    expect(ev.payload).toMatchObject({ barcode: extra.barcode, reason: 'no_compartment', badgeId: 'b_driver0001' });
    const summary = await k.call('dropoffSummary', { sessionId });
    expect(summary.value.keptByDriver).toEqual([{ barcode: extra.barcode, reason: 'no_compartment' }]);
    expect(summary.value.delivered).toHaveLength(3);
  });

  it('accessible parcels get a low compartment', async () => {
    k = await makeKiosk();
    const sessionId = await driver(k);
    const p = expectParcel(k, { size: 'S', accessible: true });
    const r = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    expect(r.value.where.heightCm).toBeLessThanOrEqual(120);
    const q = expectParcel(k, { size: 'S' });
    const r2 = await k.call('dropoffScan', { sessionId, barcode: q.barcode });
    expect(r2.value.where.size).toBe('S');
  });
});

describe('badges and sessions', () => {
  it('rejects forged, expired and revoked badges; roles are enforced; idle sessions expire', async () => {
    k = await makeKiosk();
    const now = k.clock.now();
    expect((await k.call('authBadge', { badge: 'LKB1.abc.def' })).error?.code).toBe('BADGE_INVALID');
    expect((await k.call('authBadge', { badge: badge('driver', { now, expSeconds: -10 }) })).error?.code).toBe('BADGE_EXPIRED');
    k.services.repos.enrollment.addRevokedBadges([{ badgeId: 'b_revoked0001', revokedAt: now }]);
    expect((await k.call('authBadge', { badge: badge('driver', { now, bid: 'b_revoked0001' }) })).error?.code).toBe('BADGE_REVOKED');
    const tech = await k.call('authBadge', { badge: badge('technician', { now }) });
    expect(tech.value.role).toBe('technician');
    const p = expectParcel(k);
    expect((await k.call('dropoffScan', { sessionId: tech.value.sessionId, barcode: p.barcode })).error?.code).toBe('NOT_AUTHORISED');
    const sessionId = await driver(k);
    k.clock.advance(6 * 60_000);
    expect((await k.call('dropoffScan', { sessionId, barcode: p.barcode })).error?.code).toBe('SESSION_EXPIRED');
    const again = await driver(k);
    expect((await k.call('authEnd', { sessionId: again })).value.ended).toBe(true);
    expect((await k.call('dropoffSummary', { sessionId: again })).error?.code).toBe('SESSION_EXPIRED');
  });

  it('a badge revoked while its session is open ends that session at the next call', async () => {
    k = await makeKiosk();
    const now = k.clock.now();
    const signedIn = await k.call('authBadge', { badge: badge('driver', { now, bid: 'b_revokedlater1' }) });
    expect(signedIn.value.role).toBe('driver');
    const { sessionId } = signedIn.value;
    expect((await k.call('dropoffSummary', { sessionId })).ok).toBe(true);
    k.services.repos.enrollment.addRevokedBadges([{ badgeId: 'b_revokedlater1', revokedAt: now }]);
    const p = expectParcel(k);
    expect((await k.call('dropoffScan', { sessionId, barcode: p.barcode })).error?.code).toBe('SESSION_EXPIRED');
    expect(k.sim.received.unlock).toBe(0); // nothing opened for a revoked badge
  });
});

describe("drop-off: the first compartment after doesn't fit / didn't open", () => {
  it("doesn't fit before the door read open: the first compartment stays held until its door is seen closed", async () => {
    k = await makeKiosk({ jamMs: 5000 });
    const sessionId = await driver(k);
    const p = expectParcel(k, { size: 'S' });
    k.sim.jam('A01'); // the latch is slow: the door opens only later
    const r = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    expect(r.value.where.compartmentId).toBe('A01');
    const bigger = await k.call('dropoffDoesntFit', { sessionId, operationId: r.value.operationId });
    expect(bigger.value.where.size).toBe('M');
    // The unlock frame went out: the door may still open, so A01 is neither free nor given away.
    expect(k.services.repos.doorOps.get(r.value.operationId)).toMatchObject({ state: 'unlocked', outcome: 'cancelled' });
    expect(k.services.repos.compartments.free().map((c) => c.id)).not.toContain('A01');
    expect(k.services.repos.parcels.get(p.id)!.compartmentId).toBe(bigger.value.where.compartmentId);
    k.sim.unjam('A01');
    k.sim.openDoor('A01');
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.closeDoor('A01');
    expect(await waitOp(k, r.value.operationId, ['closed'])).toMatchObject({ outcome: 'cancelled' });
    expect(k.services.repos.compartments.free().map((c) => c.id)).toContain('A01');
    assertNoSharedCompartments(k);
  });

  it("doesn't fit, then the driver leaves the parcel in the first compartment anyway: out of service, never free", async () => {
    k = await makeKiosk();
    const sessionId = await driver(k);
    const p = expectParcel(k, { size: 'S' });
    const r = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    const first = r.value.where.compartmentId;
    await waitOp(k, r.value.operationId, ['opened']);
    await k.call('dropoffDoesntFit', { sessionId, operationId: r.value.operationId });
    k.sim.putItem(first);
    k.sim.closeDoor(first);
    await waitOp(k, r.value.operationId, ['closed']);
    expect(k.services.repos.compartments.get(first)!.inService).toBe(false);
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('expected');
  });

  it("door didn't open, though the sensor saw it open: released, out of service for a check, not reserved", async () => {
    k = await makeKiosk();
    const sessionId = await driver(k);
    const p = expectParcel(k, { size: 'M' });
    const r = await k.call('dropoffScan', { sessionId, barcode: p.barcode });
    const first = r.value.where.compartmentId;
    await waitOp(k, r.value.operationId, ['opened']);
    const other = await k.call('dropoffDoorDidntOpen', { sessionId, operationId: r.value.operationId });
    expect(other.value.where.compartmentId).not.toBe(first);
    expect(k.services.repos.doorOps.get(r.value.operationId)).toMatchObject({ state: 'failed', outcome: 'jammed' });
    expect(k.services.repos.parcels.inCompartment(first)).toBeNull();
    expect(k.services.repos.compartments.get(first)!.inService).toBe(false);
    k.sim.closeDoor(first);
    assertNoSharedCompartments(k);
  });
});
