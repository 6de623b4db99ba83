import { afterEach, describe, expect, it } from 'vitest';
import { checkDigest, codeDigest, qrDigest } from '../../src-common/code-digest';
import { ManifestResponse } from '../../src-shared/sync-protocol';
import { createLogger } from '../../src-main/log';
import { applyManifestPage } from '../../src-main/sync/apply-manifest';
import { announceDropoff } from './dropoffs';
import { assertNoSharedCompartments, badge, expectParcel, makeKiosk, SECRET, waitOp, type TestKiosk } from './harness';

/**
 * "Send or return a parcel" in the kiosk core (issue 13, ADR drop-offs), on a real SQLite store and the board simulator,
 * with no fleet server at all: the drop-off arrives through a manifest page applied to the store (as the sync would),
 * and everything after runs from the store. The lockout is the pickup keypad's, shared.
 */
let k: TestKiosk;
afterEach(async () => k?.close());

const DAY = 86_400_000;
const pending = (kiosk: TestKiosk, type: string) => kiosk.services.repos.outbox.pending(kiosk.clock.now() + DAY).filter((e) => e.type === type);

async function putInAndClose(kiosk: TestKiosk, opId: string, door: string) {
  await waitOp(kiosk, opId, ['opened']);
  kiosk.sim.putItem(door);
  kiosk.sim.closeDoor(door);
  return waitOp(kiosk, opId, ['closed']);
}

describe('send a parcel with a drop-off code', () => {
  it('code → a free compartment of the booked size, journaled before the unlock → parcel in, door shut → deposited with a receipt; offline throughout', async () => {
    k = await makeKiosk();
    expect(k.ctx.sync.status().status).toBe('offline');
    const d = announceDropoff(k, { size: 'M' });
    const r = await k.call('sendSubmitCode', { code: d.code });
    expect(r.ok).toBe(true);
    expect(r.value).toMatchObject({ where: { size: 'M' }, confirmNeeded: false });
    const door = r.value.where.compartmentId;
    const op = k.services.repos.doorOps.get(r.value.operationId)!;
    expect(op).toMatchObject({ purpose: 'send', compartmentId: door, parcelId: d.id, actor: 'customer' });
    // The journal row was written before the unlock: the audit says `send.allocated` with that operation.
    const allocated = k.ctx.db.prepare(`SELECT detail FROM audit_log WHERE action = 'send.allocated'`).all() as Array<{ detail: string }>;
    expect(JSON.parse(allocated[0]!.detail)).toMatchObject({ operationId: op.id, compartmentId: door });
    // Not dropped off while the door is open.
    await waitOp(k, op.id, ['opened']);
    expect(k.services.repos.parcels.get(d.id)!.status).toBe('expected');

    const closed = await putInAndClose(k, op.id, door);
    expect(closed.outcome).toBe('completed');
    expect(closed.reference).toMatch(/^R-[A-Z2-9]{6}$/);
    const parcel = k.services.repos.parcels.get(d.id)!;
    expect(parcel).toMatchObject({ status: 'deposited', direction: 'out', compartmentId: door, receipt: closed.reference, expiresAt: null, codeDigest: null });
    const [ev] = pending(k, 'dropoff.deposited');
    expect(ev!.payload).toEqual({ parcelId: d.id, barcode: d.barcode, compartmentId: door, size: 'M', receipt: closed.reference });
    expect((await k.call('operationStatus', { operationId: op.id })).value.reference).toBe(closed.reference);
    // The code is spent; the QR says it is already in; no expiry sweep ever expires it.
    expect((await k.call('sendSubmitCode', { code: d.code })).error?.code).toBe('CODE_INVALID');
    expect((await k.call('sendSubmitQr', { token: d.qrToken })).error?.code).toBe('ALREADY_DEPOSITED');
    k.clock.advance(30 * DAY);
    k.services.sweep();
    expect(k.services.repos.parcels.get(d.id)!.status).toBe('deposited');
    assertNoSharedCompartments(k);
  });

  it('the QR from the message opens it too, outside the keypad’s budget', async () => {
    k = await makeKiosk();
    const d = announceDropoff(k);
    const r = await k.call('sendSubmitQr', { token: d.qrToken });
    expect(r.ok).toBe(true);
    expect((await putInAndClose(k, r.value.operationId, r.value.where.compartmentId)).outcome).toBe('completed');
  });

  it('"doesn’t fit" → the next size up opens; no larger compartment → NO_COMPARTMENT and the code still works', async () => {
    k = await makeKiosk();
    const d = announceDropoff(k, { size: 'L' });
    const first = await k.call('sendSubmitCode', { code: d.code });
    expect(first.value.where.size).toBe('L');
    await waitOp(k, first.value.operationId, ['opened']);
    // Without the answer's one-time token (another page, a guessed operation id) no other door opens.
    const unlocks = k.sim.received.unlock;
    const stranger = await k.call('sendDoesntFit', { operationId: first.value.operationId, token: 'A'.repeat(22) });
    expect(stranger.error?.code).toBe('NOT_FOUND');
    expect(k.sim.received.unlock).toBe(unlocks);
    const bigger = await k.call('sendDoesntFit', { operationId: first.value.operationId, token: first.value.fitToken });
    expect(bigger.ok).toBe(true);
    expect(bigger.value.where.size).toBe('XL');
    expect(k.services.repos.doorOps.get(first.value.operationId)!.outcome).toBe('cancelled');
    expect(k.services.repos.parcels.get(d.id)).toMatchObject({ compartmentId: bigger.value.where.compartmentId, size: 'XL' });
    // The first door is shut empty by the person: its compartment is free again, nothing deposited there.
    k.sim.closeDoor(first.value.where.compartmentId);
    await waitOp(k, first.value.operationId, ['closed']);
    await waitOp(k, bigger.value.operationId, ['opened']);
    // A spent token opens nothing more.
    expect((await k.call('sendDoesntFit', { operationId: first.value.operationId, token: first.value.fitToken })).ok).toBe(false);
    const none = await k.call('sendDoesntFit', { operationId: bigger.value.operationId, token: bigger.value.fitToken });
    expect(none.error).toMatchObject({ code: 'NO_COMPARTMENT', details: { reason: 'does_not_fit' } });
    k.sim.closeDoor(bigger.value.where.compartmentId);
    await waitOp(k, bigger.value.operationId, ['closed']);
    expect(k.services.repos.parcels.get(d.id)).toMatchObject({ status: 'expected', compartmentId: null });
    // The code still opens a compartment (another day, a smaller parcel).
    expect((await k.call('sendSubmitCode', { code: d.code })).ok).toBe(true);
    assertNoSharedCompartments(k);
  });

  it('a door shut with nothing sensed inside deposits nothing, frees the compartment, and the code still works', async () => {
    k = await makeKiosk();
    const d = announceDropoff(k);
    const r = await k.call('sendSubmitCode', { code: d.code });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.closeDoor(r.value.where.compartmentId);
    expect((await waitOp(k, r.value.operationId, ['closed'])).outcome).toBe('empty_on_close');
    expect(k.services.repos.parcels.get(d.id)).toMatchObject({ status: 'expected', compartmentId: null });
    expect(pending(k, 'dropoff.deposited')).toHaveLength(0);
    expect((await k.call('sendSubmitCode', { code: d.code })).ok).toBe(true);
  });

  it('past the sender’s deadline the code opens nothing and costs the keypad budget like a wrong code', async () => {
    k = await makeKiosk();
    const d = announceDropoff(k, { deadline: k.clock.now() + DAY });
    k.clock.advance(DAY + 1000);
    const before = k.services.repos.attempts.countInWindow('code', 86_400_000, k.clock.now(), 0);
    expect((await k.call('sendSubmitCode', { code: d.code })).error?.code).toBe('CODE_EXPIRED');
    expect(k.services.repos.attempts.countInWindow('code', 86_400_000, k.clock.now(), 0)).toBe(before + 1);
    expect(k.services.repos.doorOps.unfinished()).toHaveLength(0);
  });

  it('a code re-issued for a drop-off already deposited opens no door: CODE_INVALID, nothing journaled (red team, issue 13)', async () => {
    k = await makeKiosk();
    const d = announceDropoff(k);
    const r = await k.call('sendSubmitCode', { code: d.code });
    const door = r.value.where.compartmentId;
    expect((await putInAndClose(k, r.value.operationId, door)).outcome).toBe('completed');
    expect(k.services.repos.parcels.get(d.id)!.status).toBe('deposited');
    // The server re-issues the drop-off's code (the sender's "I lost my code", an operator's resend): the manifest
    // replaces its digests, so the new code matches the deposited drop-off here.
    const code = '913579';
    const qrToken = 'REISSUEDabcdefghijklmn';
    const page = ManifestResponse.parse({
      expected: [],
      cancellations: [],
      extensions: [],
      revokedBadges: [],
      revokedBadgeIds: [],
      reissues: [{ seq: 900_000, parcelId: d.id, barcode: d.barcode, codeDigest: codeDigest(SECRET, code), qrDigest: qrDigest(SECRET, qrToken), checkDigest: checkDigest(SECRET, code, '4321') }],
      nextCursor: '900000',
      hasMore: false,
      serverTime: new Date(k.clock.now()).toISOString(),
    });
    const { repos } = k.services;
    expect(applyManifestPage({ db: repos.db, parcels: repos.parcels, outbox: repos.outbox, enrollment: repos.enrollment, log: createLogger('test') }, page, k.clock.now()).reissued).toBe(1);
    const unlocks = k.sim.received.unlock;
    const ops = (k.ctx.db.prepare('SELECT COUNT(*) AS n FROM door_operations').get() as { n: number }).n;
    expect((await k.call('sendSubmitCode', { code })).error?.code).toBe('CODE_INVALID');
    expect((await k.call('sendSubmitQr', { token: qrToken })).error?.code).toBe('ALREADY_DEPOSITED');
    expect(k.sim.received.unlock).toBe(unlocks);
    expect((k.ctx.db.prepare('SELECT COUNT(*) AS n FROM door_operations').get() as { n: number }).n).toBe(ops);
    expect(k.ctx.db.prepare(`SELECT 1 FROM audit_log WHERE action = 'send.reopen'`).all()).toHaveLength(0);
    expect(k.services.repos.parcels.get(d.id)).toMatchObject({ status: 'deposited', compartmentId: door });
  });
});

describe('one code space, one lockout', () => {
  it('a pickup code typed at "send" and a drop-off code typed at "pick up" each say which flow they belong to, costing nothing', async () => {
    k = await makeKiosk();
    const p = expectParcel(k);
    k.services.repos.parcels.patch(p.id, { compartment_id: 'A01' }, k.clock.now());
    k.services.repos.parcels.transition(p.id, 'deposited', { deposited_at: k.clock.now(), expires_at: k.clock.now() + 3 * DAY }, k.clock.now());
    const d = announceDropoff(k);
    expect((await k.call('sendSubmitCode', { code: p.code })).error).toMatchObject({ code: 'PICKUP_CODE', details: { flow: 'pickup' } });
    expect((await k.call('pickupSubmitCode', { code: d.code })).error).toMatchObject({ code: 'SEND_CODE', details: { flow: 'send' } });
    expect((await k.call('pickupSubmitQr', { token: d.qrToken })).error?.code).toBe('SEND_CODE');
    expect((await k.call('sendSubmitQr', { token: p.qrToken })).error?.code).toBe('PICKUP_CODE');
    expect(k.services.repos.attempts.countInWindow('code', 86_400_000, k.clock.now(), 0)).toBe(0);
    expect(k.services.repos.doorOps.unfinished()).toHaveLength(0);
  });

  it('wrong codes at "send" harden the pickup keypad, and wrong pickup codes harden "send": code + check code from then on', async () => {
    k = await makeKiosk();
    const p = expectParcel(k);
    k.services.repos.parcels.patch(p.id, { compartment_id: 'A02' }, k.clock.now());
    k.services.repos.parcels.transition(p.id, 'deposited', { deposited_at: k.clock.now(), expires_at: k.clock.now() + 3 * DAY }, k.clock.now());
    const d = announceDropoff(k);
    const wrong = ['000001', '000002', '000003', '000004', '000005'];
    for (const code of wrong.slice(0, 3)) expect((await k.call('sendSubmitCode', { code })).error?.code).toBe('CODE_INVALID');
    for (const code of wrong.slice(3)) expect((await k.call('pickupSubmitCode', { code })).error?.code).toBe('CODE_INVALID');
    // Five in the window, across both screens: hardened everywhere.
    expect((await k.call('pickupKeypadMode', {})).value.checkRequired).toBe(true);
    expect((await k.call('sendSubmitCode', { code: d.code })).error?.code).toBe('CHECK_REQUIRED');
    expect((await k.call('pickupSubmitCode', { code: p.code })).error?.code).toBe('CHECK_REQUIRED');
    // A wrong check code is a wrong code (no oracle); the right pair opens.
    expect((await k.call('sendSubmitCode', { code: d.code, check: '0000' })).error?.code).toBe('CODE_INVALID');
    const ok = await k.call('sendSubmitCode', { code: d.code, check: d.check });
    expect(ok.ok).toBe(true);
    // The QR is outside the budget on both screens.
    await putInAndClose(k, ok.value.operationId, ok.value.where.compartmentId);
  });
});

describe('boards without item sensors', () => {
  it('"I put it in", then the door closing, is the proof; a close without it asks, and only a "yes" deposits', async () => {
    k = await makeKiosk({ config: { serial: { protocol: 'simulator', itemSensors: false } } });
    const d = announceDropoff(k);
    const r = await k.call('sendSubmitCode', { code: d.code });
    expect(r.value.confirmNeeded).toBe(true);
    const door = r.value.where.compartmentId;
    await waitOp(k, r.value.operationId, ['opened']);
    expect((await k.call('sendConfirm', { operationId: r.value.operationId, inside: true })).ok).toBe(true);
    k.sim.closeDoor(door);
    const done = await waitOp(k, r.value.operationId, ['closed']);
    expect(done.outcome).toBe('completed');
    expect(k.services.repos.parcels.get(d.id)!.receipt).toBe(done.reference);
    const audit = k.ctx.db.prepare(`SELECT detail FROM audit_log WHERE action = 'send.deposited'`).get() as { detail: string };
    expect(JSON.parse(audit.detail)).toMatchObject({ sensed: false, confirmed: true });

    // Closed first: nothing deposited yet, the compartment kept for this parcel (nobody knows what is inside).
    const e = announceDropoff(k);
    const r2 = await k.call('sendSubmitCode', { code: e.code });
    await waitOp(k, r2.value.operationId, ['opened']);
    k.sim.closeDoor(r2.value.where.compartmentId);
    expect((await waitOp(k, r2.value.operationId, ['closed'])).outcome).toBe('empty_on_close');
    expect(k.services.repos.parcels.get(e.id)).toMatchObject({ status: 'expected', compartmentId: r2.value.where.compartmentId });
    expect(k.services.freeBySize().S).toBe(8 - 2);
    const yes = await k.call('sendConfirm', { operationId: r2.value.operationId, inside: true });
    expect(yes.value).toMatchObject({ outcome: 'completed', reference: expect.stringMatching(/^R-/) });
    expect(k.services.repos.parcels.get(e.id)!.status).toBe('deposited');
    expect((await k.call('sendConfirm', { operationId: r2.value.operationId, inside: false })).error?.code).toBe('INVALID_STATE');

    // "No, it is not": the compartment is free again and the code still works.
    const f = announceDropoff(k);
    const r3 = await k.call('sendSubmitCode', { code: f.code });
    await waitOp(k, r3.value.operationId, ['opened']);
    k.sim.closeDoor(r3.value.where.compartmentId);
    await waitOp(k, r3.value.operationId, ['closed']);
    expect((await k.call('sendConfirm', { operationId: r3.value.operationId, inside: false })).ok).toBe(true);
    expect(k.services.repos.parcels.get(f.id)).toMatchObject({ status: 'expected', compartmentId: null });
    expect(pending(k, 'dropoff.deposited')).toHaveLength(2);
  });

  it('with item sensors the sensor decides: sendConfirm is refused', async () => {
    k = await makeKiosk();
    const d = announceDropoff(k);
    const r = await k.call('sendSubmitCode', { code: d.code });
    expect((await k.call('sendConfirm', { operationId: r.value.operationId, inside: true })).error?.code).toBe('INVALID_STATE');
  });
});

describe('the driver', () => {
  it('finds the drop-off on the collection list beside expired parcels, collects it, and the fleet is told; a driver cannot deliver it', async () => {
    k = await makeKiosk();
    const session = (await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) })).value.sessionId;
    const d = announceDropoff(k);
    expect((await k.call('dropoffScan', { sessionId: session, barcode: d.barcode })).error?.code).toBe('UNKNOWN_PARCEL');
    const r = await k.call('sendSubmitCode', { code: d.code });
    const door = r.value.where.compartmentId;
    await putInAndClose(k, r.value.operationId, door);

    const list = await k.call('collectionList', { sessionId: session });
    expect(list.value.parcels).toEqual([expect.objectContaining({ parcelId: d.id, barcode: d.barcode, compartmentId: door, kind: 'outgoing' })]);
    const open = await k.call('collectionOpen', { sessionId: session, parcelId: d.id });
    expect(open.ok).toBe(true);
    await waitOp(k, open.value.operationId, ['opened']);
    k.sim.removeItem(door);
    k.sim.closeDoor(door);
    expect((await waitOp(k, open.value.operationId, ['closed'])).outcome).toBe('completed');
    expect(k.services.repos.parcels.get(d.id)!.status).toBe('collected');
    const [ev] = pending(k, 'parcel.collected');
    expect(ev!.payload).toMatchObject({ parcelId: d.id, barcode: d.barcode, compartmentId: door, badgeId: 'b_driver0001' });
    expect((await k.call('collectionList', { sessionId: session })).value.parcels).toEqual([]);
    expect(k.services.freeBySize().S).toBe(8);
  });
});
