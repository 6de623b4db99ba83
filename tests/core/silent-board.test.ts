/**
 * Red-team finding 2 (issue 9 §2): a board never heard from since start-up, once a read of it has timed out, is
 * known offline. The real Kerong driver on a socat pty with nothing on the board side: every way to open a door
 * (code, QR, drop-off, collection, maintenance) is refused HARDWARE_OFFLINE before anything is journaled, audited or
 * queued. Before the fix, `readAt === null` counted as reachable: the code was journaled and "unlocked", the
 * drop-off allocated, and the operations later ended "jammed (blind)".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PtyPair } from '../hardware/helpers';
import { badge, expectParcel, makeKiosk, waitFor, type SeededParcel, type TestKiosk } from './harness';

let k: TestKiosk | null = null;
let pty: PtyPair | null = null;
afterEach(async () => {
  await k?.close();
  k = null;
  await pty?.dispose();
  pty = null;
});

function traces(t: TestKiosk) {
  const n = (table: string) => (t.ctx.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { ops: n('door_operations'), audit: n('audit_log'), outbox: n('outbox') };
}

/** A parcel the store holds in `compartmentId` (no simulator here to put the item in). */
function inCompartment(t: TestKiosk, compartmentId: string, o: Partial<SeededParcel> = {}): SeededParcel {
  const p = expectParcel(t, o);
  const now = t.clock.now();
  t.services.repos.parcels.patch(p.id, { compartment_id: compartmentId }, now);
  t.services.repos.parcels.transition(p.id, 'deposited', { deposited_at: now, expires_at: now + 3 * 86_400_000 }, now);
  return p;
}

describe('a board never heard from since start-up, whose reads time out, is known offline', () => {
  it('real driver, socat pty, no board: code, QR, drop-off, collection and maintenance leave no journal row, audit entry or outbox event', async () => {
    pty = await new PtyPair().start();
    k = await makeKiosk({ serialPath: pty.kiosk });
    const t = k;
    // The port is open; every read so far timed out; no board ever answered.
    await waitFor(() => t.ctx.doors.health().port === 'open' && t.ctx.doors.health().timeouts > 0, 10_000, 'a timed-out read');
    await waitFor(() => t.ctx.doors.boards().every((b) => b.readAt === null && !b.online && b.silent), 10_000, 'boards given up on');
    const parcel = inCompartment(t, 'A03', { code: '939393' });
    const expired = inCompartment(t, 'A05', { code: '949494', size: 'M' });
    t.ctx.db.prepare("UPDATE parcels SET status = 'expired', expired_at = ? WHERE id = ?").run(t.clock.now(), expired.id);
    const incoming = expectParcel(t, { size: 'S' });
    const driver = (await t.call('authBadge', { badge: badge('driver', { now: t.clock.now() }) })).value.sessionId;
    const tech = (await t.call('authBadge', { badge: badge('technician', { now: t.clock.now() }) })).value.sessionId;
    const before = traces(t);
    expect((await t.call('pickupSubmitCode', { code: '939393' })).error?.code).toBe('HARDWARE_OFFLINE');
    expect((await t.call('pickupSubmitQr', { token: parcel.qrToken })).error?.code).toBe('HARDWARE_OFFLINE');
    expect((await t.call('dropoffScan', { sessionId: driver, barcode: incoming.barcode })).error?.code).toBe('HARDWARE_OFFLINE');
    expect((await t.call('collectionOpen', { sessionId: driver, parcelId: expired.id })).error?.code).toBe('HARDWARE_OFFLINE');
    expect((await t.call('maintenanceOpenDoor', { sessionId: tech, compartmentId: 'A07', reason: 'check' })).error?.code).toBe('HARDWARE_OFFLINE');
    expect(traces(t)).toEqual(before);
    expect(t.services.repos.parcels.get(incoming.id)).toMatchObject({ status: 'expected', compartmentId: null });
    expect(t.services.repos.parcels.get(parcel.id)).toMatchObject({ status: 'deposited', flagged: null });
  });
});
