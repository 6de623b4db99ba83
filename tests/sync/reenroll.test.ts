import { afterEach, describe, expect, it } from 'vitest';
import { operator } from '../server/console-helpers';
import { codesIn, deliver, localParcel, pickUp, startKiosk, startServer, startSmtpSink, until, type Kiosk } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

/**
 * Replacing a kiosk PC with real parts (issue 12, ADR return-reenroll): the fleet server on loopback (SQLite and
 * PostgreSQL runs) with a real SMTP sink, an old kiosk core that took a parcel in, and a NEW kiosk core on an empty data
 * dir enrolling with the console's re-enrollment token. The new PC learns from its first manifest which compartment
 * holds the parcel, the recipient is mailed a new code, the old code fails at the new PC and the new one opens the door.
 */
describe('a replaced kiosk PC', () => {
  it('opens a deposited parcel’s compartment with the NEW code; the old code fails; the old PC is refused', async () => {
    const smtp = await startSmtpSink();
    cleanup.push(() => smtp.close());
    const server = await startServer({ channels: { smtpUrl: smtp.url } });
    cleanup.push(() => server.close());
    const old: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => old.close());
    await old.core.ctx.sync.syncNow();
    const kioskId = old.kioskId();

    const shipment = await server.createShipment({ barcode: 'SWAP-01', size: 'S', kioskId, recipient: { email: 'swap@example.com' } });
    await old.core.ctx.sync.syncNow();
    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const session = await old.call('authBadge', { badge: driver.token });
    const compartment = await deliver(old, session.sessionId, 'SWAP-01');
    await old.core.ctx.sync.syncNow();
    await until(() => codesIn(smtp.mails, 'SWAP-01').length === 1, 8000, 'the first code e-mail');
    const oldCode = codesIn(smtp.mails, 'SWAP-01')[0]!;
    expect(oldCode).toBe(shipment.code);
    // A second parcel for the same recipient, still on its way: both keep their group ("all my parcels") on the new PC.
    await server.createShipment({ barcode: 'SWAP-02', size: 'S', kioskId, recipient: { email: 'swap@example.com' } });
    await old.core.ctx.sync.syncNow();
    const group = localParcel(old, 'SWAP-01')!.groupKey;
    expect(group).toBeTruthy();
    expect(localParcel(old, 'SWAP-02')!.groupKey).toBe(group);

    const admin = await operator(server, 'admin');
    const t = await admin.send('POST', `/console/api/kiosks/${kioskId}/reenrollment-token`, {});
    expect(t.status).toBe(201);

    const fresh: Kiosk = await startKiosk({ url: server.url, token: t.body.enrollmentToken as string });
    cleanup.push(() => fresh.close());
    expect(fresh.kioskId()).toBe(kioskId);
    await fresh.core.ctx.sync.syncNow();
    await until(() => localParcel(fresh, 'SWAP-01')?.status === 'deposited', 8000, 'the new PC to learn where the parcel is');
    expect(localParcel(fresh, 'SWAP-01')!.compartmentId).toBe(compartment);
    // Red team 13b: the group keys came along (they were dropped, so "N more wait" said 0 on the new PC).
    await until(() => localParcel(fresh, 'SWAP-02'), 8000, 'the new PC to learn of the expected parcel');
    expect(localParcel(fresh, 'SWAP-01')!.groupKey).toBe(group);
    expect(localParcel(fresh, 'SWAP-02')!.groupKey).toBe(group);

    const newCode = await until(() => codesIn(smtp.mails, 'SWAP-01')[1], 8000, 'the new code e-mail');
    expect(newCode).not.toBe(oldCode);

    // The old PC, still running, can no longer sync: its signed requests are refused.
    const before = (await server.query<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE kiosk_id = ?', [kioskId]))[0]!.n;
    await old.call('pickupReportProblem', { compartmentId: compartment, kind: 'other', note: 'from the old PC' });
    await old.core.ctx.sync.syncNow();
    expect(old.core.ctx.sync.status().lastError).toMatch(/401|UNAUTHORIZED|signature/i);
    expect((await server.query<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE kiosk_id = ?', [kioskId]))[0]!.n).toBe(before);

    // The parcel is physically in the compartment of the replaced locker.
    fresh.core.ctx.simulator!.putItem(compartment);
    const refused = await fresh.core.call('pickupSubmitCode', { code: oldCode });
    expect(refused.ok).toBe(false);
    expect(fresh.core.ctx.simulator!.compartment(compartment).open).toBe(false);
    await pickUp(fresh, newCode, 'SWAP-01');
    await fresh.core.ctx.sync.syncNow();
    await until(async () => (await server.parcel('SWAP-01'))?.status === 'picked_up', 8000, 'the server to see the pickup');
  });
});
