import { afterEach, describe, expect, it } from 'vitest';
import { badge, depositParcel, expectParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

let k: TestKiosk;
afterEach(async () => k?.close());

describe('pickup', () => {
  it('opens the door, and consumes the code only when the door closes on an empty compartment', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A02', { code: '424242' });
    const r = await k.call('pickupSubmitCode', { code: '424242' });
    expect(r.ok).toBe(true);
    expect(r.value.where.compartmentId).toBe('A02');
    const opId = r.value.operationId;
    await waitOp(k, opId, ['opened']);
    expect(k.sim.door('A02').open).toBe(true);
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('deposited');
    k.sim.removeItem('A02');
    k.sim.closeDoor('A02');
    const op = await waitOp(k, opId, ['closed']);
    expect(op.outcome).toBe('completed');
    const parcel = k.services.repos.parcels.get(p.id)!;
    expect(parcel.status).toBe('picked_up');
    expect(parcel.codeDigest).toBeNull();
    expect(k.services.repos.outbox.pending(k.clock.now()).map((e) => e.type)).toContain('parcel.picked_up');
    expect(k.nudges.count).toBeGreaterThan(0);
    const states = k.events.filter((e) => e.event === 'operation').map((e) => (e.payload as { state: string }).state);
    expect(states).toEqual(['requested', 'unlocked', 'opened', 'closed']);
    expect(k.services.repos.audit.verify().ok).toBe(true);
  });
});

describe('pickup: codes and lockout', () => {
  it('5 wrong codes harden the keypad (code + check code), never lock it: no one is refused, nothing leaks how many tries are left', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A02', { code: '111111' });
    for (let i = 0; i < 4; i++) {
      const r = await k.call('pickupSubmitCode', { code: '999999' });
      expect(r.error?.code).toBe('CODE_INVALID');
      // Another person's failures are not this person's business (issue 9 §2: "1 attempt left").
      expect(r.error?.details?.attemptsLeft).toBeUndefined();
      k.clock.advance(1000);
    }
    const fifth = await k.call('pickupSubmitCode', { code: '999998' });
    expect(fifth.error).toMatchObject({ code: 'CODE_INVALID', details: { checkRequired: true } });
    expect((await k.call('pickupKeypadMode', {})).value).toEqual({ checkRequired: true });
    // The right code alone is asked for its check code (not refused, not looked up, not counted).
    const alone = await k.call('pickupSubmitCode', { code: '111111' });
    expect(alone.error?.code).toBe('CHECK_REQUIRED');
    // The right code with a wrong check code is answered exactly like a wrong code: no oracle for the code alone.
    k.clock.advance(2_000); // hardened answers are paced (one per 2 s, kiosk-wide)
    const wrongCheck = await k.call('pickupSubmitCode', { code: '111111', check: p.check === '0000' ? '0001' : '0000' });
    expect(wrongCheck.error).toEqual(fifth.error);
    k.clock.advance(2_000);
    const ok = await k.call('pickupSubmitCode', { code: '111111', check: p.check });
    expect(ok.ok).toBe(true);
    expect(ok.value.where.compartmentId).toBe('A02');
    expect(k.services.repos.audit.recent(50).filter((e) => e.action === 'code.hardened')).toHaveLength(1);
    expect(JSON.stringify(k.services.repos.audit.recent(100))).not.toContain('999999');
  });

  it('answers CODE_EXPIRED for a parcel past its pickup window', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A03', { code: '222222' });
    k.clock.advance(3 * 86_400_000 + 1);
    expect(k.services.sweep().expired).toBe(1);
    const r = await k.call('pickupSubmitCode', { code: '222222' });
    expect(r.error?.code).toBe('CODE_EXPIRED');
    // Counted like a wrong code: an expired parcel can come back (carrier extend), so it is in the pool (ADR 0008).
    expect(k.services.repos.attempts.countSince('code', 0)).toBe(1);
  });

  it('a code for a parcel not yet delivered says so, and is counted like any wrong code (tests/core/lockout-pool)', async () => {
    const { expectParcel } = await import('./harness');
    k = await makeKiosk();
    expectParcel(k, { code: '333333' });
    const r = await k.call('pickupSubmitCode', { code: '333333' });
    expect(r.error?.code).toBe('CODE_INVALID');
    expect(r.error?.details?.notYetDelivered).toBe(true);
    expect(k.services.repos.attempts.countSince('code', 0)).toBe(1);
  });

  it('the same code while the door is on its way returns the same operation', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A05', { code: '444444' });
    const a = await k.call('pickupSubmitCode', { code: '444444' });
    const b = await k.call('pickupSubmitCode', { code: '444444' });
    expect(b.value.operationId).toBe(a.value.operationId);
    await waitOp(k, a.value.operationId, ['opened']);
    expect(k.sim.received.unlock).toBe(1);
  });
});

describe('pickup: item left, grace, jam', () => {
  it('door closed with the parcel still inside: the same code reopens it', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A04', { code: '555555' });
    const r = await k.call('pickupSubmitCode', { code: '555555' });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.closeDoor('A04');
    const op = await waitOp(k, r.value.operationId, ['closed']);
    expect(op.outcome).toBe('item_left');
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('deposited');
    k.clock.advance(10 * 60_000); // far past grace: the code still works because the parcel is inside
    const again = await k.call('pickupSubmitCode', { code: '555555' });
    expect(again.ok).toBe(true);
    expect(again.value.operationId).not.toBe(r.value.operationId);
    await waitOp(k, again.value.operationId, ['opened']);
    k.sim.removeItem('A04');
    k.sim.closeDoor('A04');
    expect((await waitOp(k, again.value.operationId, ['closed'])).outcome).toBe('completed');
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('picked_up');
  });

  it('within grace the same code reopens the door, again and again; after it, it does not', async () => {
    k = await makeKiosk({ config: { graceSeconds: 60 } });
    depositParcel(k, 'A06', { code: '666666' });
    const r = await k.call('pickupSubmitCode', { code: '666666' });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.removeItem('A06');
    k.sim.closeDoor('A06');
    const closed = await waitOp(k, r.value.operationId, ['closed']);
    expect(closed.graceUntil).toBe(k.clock.now() + 60_000);
    k.clock.advance(15_000);
    const reopen = await k.call('pickupSubmitCode', { code: '666666' });
    expect(reopen.ok).toBe(true);
    await waitOp(k, reopen.value.operationId, ['opened']);
    k.sim.closeDoor('A06');
    await waitOp(k, reopen.value.operationId, ['closed']);
    const byCode = await k.call('pickupSubmitCode', { code: '666666' });
    expect(byCode.ok).toBe(true);
    await waitOp(k, byCode.value.operationId, ['opened']);
    k.sim.closeDoor('A06');
    await waitOp(k, byCode.value.operationId, ['closed']);
    k.clock.advance(61_000);
    k.services.sweep();
    expect((await k.call('pickupSubmitCode', { code: '666666' })).error?.code).toBe('CODE_INVALID');
  });

  it('jam: compartment out of service, parcel flagged, customer given a reference', async () => {
    k = await makeKiosk({ jamMs: 150 });
    const p = depositParcel(k, 'A07', { code: '777777', size: 'L' });
    k.sim.jam('A07');
    const r = await k.call('pickupSubmitCode', { code: '777777' });
    expect(r.ok).toBe(true);
    const op = await waitOp(k, r.value.operationId, ['failed']);
    expect(op.outcome).toBe('jammed');
    expect(op.reference).toMatch(/^R-[A-Z2-9]{6}$/);
    expect(k.services.repos.compartments.get('A07')!.inService).toBe(false);
    expect(k.services.repos.parcels.get(p.id)!.flagged).toContain(op.reference!);
    const pushed = k.events.filter((e) => e.event === 'operation').at(-1)!.payload as { outcome: string; reference: string };
    expect(pushed).toMatchObject({ outcome: 'jammed', reference: op.reference });
    const again = await k.call('pickupSubmitCode', { code: '777777' });
    expect(again.error?.code).toBe('DOOR_FAULT');
    expect(again.error?.details?.reference).toMatch(/^R-/);
    const types = k.services.repos.outbox.pending(k.clock.now()).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['door.jammed', 'compartment.out_of_service', 'problem.reported']));
  });

  it('report a problem: an outbox event and a reference', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A08', { code: '888888', size: 'XL' });
    const r = await k.call('pickupSubmitCode', { code: '888888' });
    const rep = await k.call('pickupReportProblem', { operationId: r.value.operationId, kind: 'damaged', note: 'box crushed' });
    expect(rep.value.reference).toMatch(/^R-/);
    const ev = k.services.repos.outbox.pending(k.clock.now()).find((e) => e.type === 'problem.reported')!;
    expect(ev.payload).toMatchObject({ kind: 'damaged', compartmentId: 'A08', reference: rep.value.reference, note: 'box crushed' });
    const status = await k.call('operationStatus', { operationId: r.value.operationId });
    expect(status.value.purpose).toBe('pickup');
    expect((await k.call('operationStatus', { operationId: 'nosuchop1' })).error?.code).toBe('NOT_FOUND');
  });
});

describe('pickup: reopen never reaches someone else', () => {
  async function pickUp(kiosk: TestKiosk, compartmentId: string, code: string): Promise<{ operationId: string }> {
    const r = await kiosk.call('pickupSubmitCode', { code });
    await waitOp(kiosk, r.value.operationId, ['opened']);
    kiosk.sim.removeItem(compartmentId);
    kiosk.sim.closeDoor(compartmentId);
    await waitOp(kiosk, r.value.operationId, ['closed']);
    return { operationId: r.value.operationId };
  }

  it('a compartment that holds another parcel now is not reopened, by operation or by the spent code', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A06', { code: '616161' });
    await pickUp(k, 'A06', '616161');
    k.clock.advance(10_000);
    // Within the grace window the compartment was given to another parcel (e.g. by another kiosk process).
    depositParcel(k, 'A06', { code: '626262' });
    const unlocks = k.sim.received.unlock;
    expect((await k.call('pickupSubmitCode', { code: '616161' })).error?.code).toBe('INVALID_STATE');
    expect(k.sim.received.unlock).toBe(unlocks);
    expect(k.services.repos.doorOps.unfinished()).toHaveLength(0);
  });

  it('drop-off does not allocate a compartment whose pickup can still be reopened', async () => {
    k = await makeKiosk({ config: { allocation: 'exact-fit' } });
    depositParcel(k, 'A08', { code: '818181', size: 'XL' });
    depositParcel(k, 'A16', { code: '828282', size: 'XL' });
    depositParcel(k, 'A24', { code: '838383', size: 'XL' });
    await pickUp(k, 'A24', '838383');
    const s = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
    const p = expectParcel(k, { size: 'XL' });
    expect((await k.call('dropoffScan', { sessionId: s.value.sessionId, barcode: p.barcode })).error?.code).toBe('NO_COMPARTMENT');
    k.clock.advance(k.ctx.config.graceSeconds * 1000 + 1);
    const r = await k.call('dropoffScan', { sessionId: s.value.sessionId, barcode: p.barcode });
    expect(r.value.where.compartmentId).toBe('A24');
  });

  it('a code past its pickup window is CODE_EXPIRED before the sweep has run', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A03', { code: '232323' });
    k.clock.advance(3 * 86_400_000 + 1);
    const unlocks = k.sim.received.unlock;
    expect((await k.call('pickupSubmitCode', { code: '232323' })).error?.code).toBe('CODE_EXPIRED');
    expect(k.sim.received.unlock).toBe(unlocks);
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('expired');
    expect(k.services.sweep().expired).toBe(0);
  });
});
