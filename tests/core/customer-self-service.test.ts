import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src-main/sync/http';
import { applyManifestPage } from '../../src-main/sync/apply-manifest';
import { GROUP_NEXT_WINDOW_MS } from '../../src-main/services/group-pickup';
import { LOST_CODE_LIMITS } from '../../src-main/services/lost-code';
import { ACCESSIBLE_MAX_HEIGHT_CM } from '../../src-main/domain/allocation';
import type { ManifestResponse } from '../../src-shared/sync-protocol';
import { badge, depositParcel, expectParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

/**
 * Issue 13 in the kiosk core, offline (ADR customer-self-service): all of one recipient's parcels in one visit from the
 * manifest's group key alone; "I lost my code" with no server (try later) and the kiosk's own limits; an extension and a
 * "compartment within reach" as the manifest brings them (the sweep follows the new deadline, allocation goes low).
 */
let k: TestKiosk;
afterEach(async () => k?.close());

const GROUP = 'Gq0Vb5Xb2lYqvX8lW3m9zA';
const OTHER = 'Zz0Vb5Xb2lYqvX8lW3m9zA';
const setGroup = (kiosk: TestKiosk, parcelId: string, key: string) => kiosk.services.repos.db.prepare('UPDATE parcels SET group_key = ? WHERE id = ?').run(key, parcelId);

/** The person at the door: takes the parcel (or not) and shuts it. */
async function takeAndClose(kiosk: TestKiosk, operationId: string, compartmentId: string, take = true) {
  await waitOp(kiosk, operationId, ['opened']);
  if (take) kiosk.sim.removeItem(compartmentId);
  kiosk.sim.closeDoor(compartmentId);
  await waitOp(kiosk, operationId, ['closed']);
}

describe('all my parcels in one visit (offline, from the manifest)', () => {
  it('one code opens the first door, says how many more wait, and opens each of the others after the previous one closed', async () => {
    k = await makeKiosk();
    const a = depositParcel(k, 'A02', { code: '111111' });
    const b = depositParcel(k, 'A05', { code: '222222' });
    const c = depositParcel(k, 'A14', { code: '333333' });
    const stranger = depositParcel(k, 'A03', { code: '444444' });
    for (const p of [a, b, c]) setGroup(k, p.id, GROUP);
    setGroup(k, stranger.id, OTHER);

    const first = await k.call('pickupSubmitCode', { code: '111111' });
    expect(first.ok).toBe(true);
    expect(first.value.moreWaiting).toBe(2);
    expect(first.value.nextToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Not while this door is open: one after another.
    const early = await k.call('pickupOpenNext', { operationId: first.value.operationId, token: first.value.nextToken });
    expect(early.error?.code).toBe('INVALID_STATE');
    await takeAndClose(k, first.value.operationId, 'A02');

    const unlocks = k.sim.received.unlock;
    const wrong = await k.call('pickupOpenNext', { operationId: first.value.operationId, token: 'A'.repeat(22) });
    expect(wrong.error?.code).toBe('INVALID_STATE');
    expect(k.sim.received.unlock).toBe(unlocks);

    const second = await k.call('pickupOpenNext', { operationId: first.value.operationId, token: first.value.nextToken });
    expect(second.ok).toBe(true);
    expect(second.value.where.compartmentId).toBe('A05');
    expect(second.value.moreWaiting).toBe(1);
    // Journaled before its unlock, audited as the same visit's next door.
    const op = k.services.repos.doorOps.get(second.value.operationId)!;
    expect(op.parcelId).toBe(b.id);
    const audit = k.services.repos.db.prepare("SELECT detail FROM audit_log WHERE action = 'pickup.group_next'").all() as Array<{ detail: string }>;
    expect(audit.map((r) => JSON.parse(r.detail).after)).toEqual([first.value.operationId]);
    // The token is spent, and the first operation is no longer the visit's latest.
    expect((await k.call('pickupOpenNext', { operationId: first.value.operationId, token: first.value.nextToken })).error?.code).toBe('INVALID_STATE');
    await takeAndClose(k, second.value.operationId, 'A05');

    const third = await k.call('pickupOpenNext', { operationId: second.value.operationId, token: second.value.nextToken });
    expect(third.value.where.compartmentId).toBe('A14');
    expect(third.value.moreWaiting).toBe(0);
    expect(third.value.nextToken).toBeUndefined();
    await takeAndClose(k, third.value.operationId, 'A14');
    expect([a, b, c].map((p) => k.services.repos.parcels.get(p.id)!.status)).toEqual(['picked_up', 'picked_up', 'picked_up']);
    // Nobody else's parcel moved, and no answer named it.
    expect(k.services.repos.parcels.get(stranger.id)!.status).toBe('deposited');
    expect(JSON.stringify([first.value, second.value, third.value])).not.toContain('A03');
  });

  it('refused after the window, when the parcel was left inside, and for a parcel without a group', async () => {
    k = await makeKiosk();
    const a = depositParcel(k, 'A02', { code: '111112' });
    const b = depositParcel(k, 'A05', { code: '222223' });
    depositParcel(k, 'A06', { code: '555556' }); // a parcel of no group
    setGroup(k, a.id, GROUP);
    setGroup(k, b.id, GROUP);

    const left = await k.call('pickupSubmitCode', { code: '111112' });
    await takeAndClose(k, left.value.operationId, 'A02', false); // parcel still inside: item_left
    expect((await k.call('pickupOpenNext', { operationId: left.value.operationId, token: left.value.nextToken })).error?.code).toBe('INVALID_STATE');

    const again = await k.call('pickupSubmitCode', { code: '111112' });
    await takeAndClose(k, again.value.operationId, 'A02');
    k.clock.advance(GROUP_NEXT_WINDOW_MS + 1_000);
    const late = await k.call('pickupOpenNext', { operationId: again.value.operationId, token: again.value.nextToken });
    expect(late.error?.code).toBe('INVALID_STATE');
    expect(k.services.repos.parcels.get(b.id)!.status).toBe('deposited');
    // The sweep drops a picked-up parcel's group key once its visit is over.
    k.services.sweep();
    expect(k.services.repos.parcels.get(a.id)!.groupKey).toBeNull();

    const solo = await k.call('pickupSubmitCode', { code: '555556' });
    expect(solo.value.moreWaiting).toBe(0);
    expect(solo.value.nextToken).toBeUndefined();
  });

  it('an expired parcel of the group is not counted or opened', async () => {
    k = await makeKiosk();
    const a = depositParcel(k, 'A02', { code: '121212' });
    const b = depositParcel(k, 'A05', { code: '232323' });
    setGroup(k, a.id, GROUP);
    setGroup(k, b.id, GROUP);
    k.services.repos.db.prepare('UPDATE parcels SET expires_at = ? WHERE id = ?').run(k.clock.now() - 1, b.id);
    k.services.sweep();
    const r = await k.call('pickupSubmitCode', { code: '121212' });
    expect(r.value.moreWaiting).toBe(0);
  });

  it('a parcel behind a door taken out of service is not counted: no "1 more waits" that ends in a door fault (red team 13)', async () => {
    k = await makeKiosk();
    const a = depositParcel(k, 'A02', { code: '343434' });
    const b = depositParcel(k, 'A05', { code: '454545' });
    setGroup(k, a.id, GROUP);
    setGroup(k, b.id, GROUP);
    k.services.repos.compartments.setService('A05', false, 'hinge loose');
    const r = await k.call('pickupSubmitCode', { code: '343434' });
    expect(r.value.moreWaiting).toBe(0);
    expect(r.value.nextToken).toBeUndefined();
  });
});

describe('I lost my code at the kiosk', () => {
  it('offline (no fleet to ask, or the request fails): "try later", and nothing is counted', async () => {
    k = await makeKiosk();
    const none = await k.call('lostCodeRequest', { phone: '+48500100200' });
    expect(none.error?.code).toBe('SERVER_UNREACHABLE');
    k.ctx.sync.requestLostCode = async () => {
      throw new SyncError('network', 'connect ECONNREFUSED');
    };
    expect((await k.call('lostCodeRequest', { phone: '+48500100200' })).error?.code).toBe('SERVER_UNREACHABLE');
    expect(k.services.repos.db.prepare('SELECT count(*) AS n FROM lost_code_requests').get()).toEqual({ n: 0 });
    expect((await k.call('lostCodeRequest', { phone: '0048500100200' })).error?.code).toBe('BAD_INPUT');
  });

  it(`limits: ${LOST_CODE_LIMITS.perNumber} per number a day and ${LOST_CODE_LIMITS.perKiosk} per kiosk an hour, before asking the server; the number never stored in clear`, async () => {
    k = await makeKiosk();
    const asked: string[] = [];
    k.ctx.sync.requestLostCode = async (phone) => (asked.push(phone), { ticket: null });
    for (let i = 0; i < LOST_CODE_LIMITS.perNumber; i++) expect((await k.call('lostCodeRequest', { phone: '+48500100201' })).value).toEqual({ accepted: true, confirmed: true });
    const over = await k.call('lostCodeRequest', { phone: '+48500100201' });
    expect(over.error?.code).toBe('RATE_LIMITED');
    expect(asked).toHaveLength(LOST_CODE_LIMITS.perNumber); // the N+1th never left the kiosk
    for (let i = asked.length; i < LOST_CODE_LIMITS.perKiosk; i++) expect((await k.call('lostCodeRequest', { phone: `+4850010030${i}` })).ok).toBe(true);
    const kioskOver = await k.call('lostCodeRequest', { phone: '+48500100399' });
    expect(kioskOver.error?.code).toBe('RATE_LIMITED');
    expect(asked).toHaveLength(LOST_CODE_LIMITS.perKiosk);
    console.log(`kiosk lost-code limits: request ${LOST_CODE_LIMITS.perNumber + 1} for one number → ${over.error?.code}; request ${LOST_CODE_LIMITS.perKiosk + 1} at the kiosk → ${kioskOver.error?.code}`);

    const rows = k.services.repos.db.prepare('SELECT number_digest FROM lost_code_requests').all() as Array<{ number_digest: string }>;
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.number_digest))).toBe(true);
    const dump = JSON.stringify(k.services.repos.db.prepare('SELECT * FROM lost_code_requests').all()) + JSON.stringify(k.services.repos.db.prepare('SELECT * FROM audit_log').all());
    expect(dump).not.toContain('500100');

    // A day later the number may ask again (the per-kiosk hour has passed too); old rows are pruned.
    k.clock.advance(LOST_CODE_LIMITS.numberWindowMs + 1_000);
    k.services.sweep();
    expect((await k.call('lostCodeRequest', { phone: '+48500100201' })).ok).toBe(true);
    expect(k.services.repos.db.prepare('SELECT count(*) AS n FROM lost_code_requests').get()).toEqual({ n: 1 });
  });

  it('the server’s 429 is "too many requests" too, and counts', async () => {
    k = await makeKiosk();
    k.ctx.sync.requestLostCode = async () => {
      throw new SyncError('http', 'POST /v1/kiosks/K-TEST0001/lost-code: 429 RATE_LIMITED', 429, 'RATE_LIMITED');
    };
    expect((await k.call('lostCodeRequest', { phone: '+48500100202' })).error?.code).toBe('RATE_LIMITED');
    expect(k.services.repos.db.prepare('SELECT count(*) AS n FROM lost_code_requests').get()).toEqual({ n: 1 });
  });
});

describe('what the manifest brings from the recipient’s page', () => {
  const page = (over: Partial<ManifestResponse>): ManifestResponse => ({
    expected: [],
    cancellations: [],
    extensions: [],
    revokedBadges: [],
    revokedBadgeIds: [],
    nextCursor: '10',
    hasMore: false,
    serverTime: new Date().toISOString(),
    ...over,
  });
  const apply = (kiosk: TestKiosk, p: ManifestResponse) => {
    const r = kiosk.services.repos;
    return applyManifestPage({ db: r.db, parcels: r.parcels, outbox: r.outbox, enrollment: r.enrollment, log: kiosk.ctx.log }, p, kiosk.clock.now());
  };

  it('an extension moves the deadline: the sweep does not expire the parcel at the old time, it does at the new one', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A02', { code: '616161' });
    const old = k.services.repos.parcels.get(p.id)!.expiresAt!;
    const until = old + 2 * 86_400_000;
    apply(k, page({ extensions: [{ seq: 5, parcelId: p.id, barcode: p.barcode, pickupWindowDays: 5, expiresAt: new Date(until).toISOString() }] }));
    expect(k.services.repos.parcels.get(p.id)!.expiresAt).toBe(until);
    k.clock.advance(old - k.clock.now() + 60_000);
    k.services.sweep();
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('deposited');
    k.clock.advance(until - k.clock.now() + 1);
    k.services.sweep();
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('expired');
  });

  it('"a compartment within reach": the driver’s allocation puts that parcel low, and another like it stays high', async () => {
    k = await makeKiosk();
    const low = expectParcel(k, { size: 'S' });
    const high = expectParcel(k, { size: 'S' });
    const r = apply(k, page({ preferences: [{ seq: 7, parcelId: low.id, barcode: low.barcode, accessible: true }] }));
    expect(r.preferences).toBe(1);
    const session = (await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) })).value.sessionId;
    const a = await k.call('dropoffScan', { sessionId: session, barcode: low.barcode });
    expect(a.value.where.heightCm).toBeLessThanOrEqual(ACCESSIBLE_MAX_HEIGHT_CM);
    await waitOp(k, a.value.operationId, ['opened']);
    k.sim.putItem(a.value.where.compartmentId);
    k.sim.closeDoor(a.value.where.compartmentId);
    await waitOp(k, a.value.operationId, ['closed']);
    const b = await k.call('dropoffScan', { sessionId: session, barcode: high.barcode });
    expect(b.value.where.heightCm).toBeGreaterThan(ACCESSIBLE_MAX_HEIGHT_CM);
    // Once in a compartment, a late preference changes nothing.
    expect(apply(k, page({ nextCursor: '11', preferences: [{ seq: 8, parcelId: low.id, barcode: low.barcode, accessible: false }] })).preferences).toBe(0);
  });
});
