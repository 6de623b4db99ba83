/**
 * ADR return-reenroll, "Item sensors on a new PC": a store that cannot know the locker's contents yet (enrolled, first
 * manifest not read to its end) does not condemn a compartment for an item it cannot account for, and never offers it
 * to a drop-off either; once the contents are known, the same item is an `unexpected_item` as ever. Real kiosk
 * services, real SQLite, the board simulator behind the real driver. The sync side (the flag set at enrollment and
 * cleared after the manifest) is tests/sync/reenroll-occupied.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyPem } from '../../src-server/auth/badges';
import { BADGE_KEYS, SECRET_B64, badge, expectParcel, makeKiosk, type TestKiosk } from './harness';
import { until } from '../sync/helpers';

let k: TestKiosk | null = null;
afterEach(async () => {
  await k?.close();
  k = null;
});

describe('item sensors while the store cannot know the contents yet', () => {
  it('leaves a sensed item alone and unallocated until the contents are known, then condemns it', async () => {
    let spare = '';
    let sensed: string[] = [];
    k = await makeKiosk({
      beforeStart: (sim, ctx) => {
        // Enrolled a moment ago: the first manifest has not been read yet.
        ctx.services.repos.enrollment.setEnrollment({ kioskId: 'K-TEST0001', kioskSecret: SECRET_B64, badgePublicKey: publicKeyPem(BADGE_KEYS.publicKey) }, { contentsPending: true });
        const small = ctx.layout.compartments.filter((c) => c.size === 'S').map((c) => c.id);
        spare = small.at(-1)!;
        sensed = small.slice(0, -1);
        for (const id of sensed) sim.putItem(id);
      },
    });
    const { repos } = k.services;
    expect(sensed.length).toBeGreaterThan(0);
    // The kiosk has read those items off the board (a read may time out on a busy machine; the poller reads again).
    const kiosk = k;
    await until(() => sensed.every((id) => kiosk.ctx.doors.compartment(id).item === true), 20_000, 'the board read');
    // The start-up check ran (services.start awaits it) and condemned nothing.
    for (const id of sensed) expect(repos.compartments.get(id), id).toMatchObject({ inService: true });
    expect(repos.alarms.unacknowledged().filter((a) => a.kind === 'unexpected_item')).toEqual([]);

    // A delivery meanwhile goes to the one small compartment the sensors read empty.
    const p = expectParcel(k, { size: 'S' });
    const s = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
    const r = await k.call('dropoffScan', { sessionId: s.value.sessionId, barcode: p.barcode });
    expect(r.ok).toBe(true);
    expect(r.value.where.compartmentId).toBe(spare);

    // The manifest has been read (nothing placed in them): those items are unexplained now.
    repos.enrollment.markContentsKnown();
    // Decided by this check, or by the kiosk's own background check if that ran first (it reads the same flag): either
    // way, each of those compartments ends out of service with an unexpected_item alarm, and no other.
    await kiosk.services.checkSensors();
    await until(() => sensed.every((id) => !repos.compartments.get(id)!.inService), 20_000, 'the sensed compartments out of service');
    const alarmed = repos.alarms.unacknowledged().filter((a) => a.kind === 'unexpected_item').map((a) => a.compartmentId).sort();
    expect(alarmed).toEqual([...sensed].sort());
    expect(repos.compartments.get(spare)).toMatchObject({ inService: true });
  });
});
