import { afterEach, describe, expect, it } from 'vitest';
import { operator } from '../server/console-helpers';
import { deliver, localParcel, seenOpen, startKiosk, startServer, until, type Kiosk } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

/**
 * Return to sender reaches a real kiosk core (issue 12, ADR return-reenroll): the fleet server on loopback (SQLite and
 * PostgreSQL runs), the kiosk with its simulated board. The recipient's code stops opening the door, the driver's
 * collection list has the parcel, the driver takes it out, and the server ends with it collected as a return; an
 * announced parcel marked for return is refused at the driver's scan.
 */
describe('return to sender at the kiosk', () => {
  it('a deposited parcel: its code no longer opens, the driver collects it, the server records the return', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const k: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    const shipment = await server.createShipment({ barcode: 'RTS-K-01', size: 'S', kioskId: k.kioskId(), recipient: { email: 'ret@example.com' } });
    await k.core.ctx.sync.syncNow();
    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const session = await k.call('authBadge', { badge: driver.token });
    const compartment = await deliver(k, session.sessionId, 'RTS-K-01');
    await until(async () => (await server.parcel('RTS-K-01'))?.status === 'deposited', 8000, 'the server to see the deposit');

    const op = await operator(server, 'operator');
    expect((await op.send('POST', `/console/api/parcels/${shipment.parcelId}/return`)).status).toBe(200);
    await k.core.ctx.sync.syncNow();
    await until(() => localParcel(k, 'RTS-K-01')?.status === 'expired', 8000, 'the kiosk to take the return');

    const refused = await k.core.call('pickupSubmitCode', { code: shipment.code });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('CODE_EXPIRED');
    expect(k.core.ctx.simulator!.compartment(compartment).open).toBe(false);

    const list = await k.call('collectionList', { sessionId: session.sessionId });
    expect(list.parcels.map((p) => [p.barcode, p.compartmentId])).toEqual([['RTS-K-01', compartment]]);
    const opened = await k.call('collectionOpen', { sessionId: session.sessionId, parcelId: shipment.parcelId });
    await seenOpen(k.core, opened.operationId, `door ${compartment}`);
    k.core.ctx.simulator!.removeItem(compartment);
    k.core.ctx.simulator!.closeDoor(compartment);
    await until(() => localParcel(k, 'RTS-K-01')?.status === 'collected', 8000, 'the kiosk to record the collection');
    await k.core.ctx.sync.syncNow();
    await until(async () => (await server.parcel('RTS-K-01'))?.status === 'collected', 8000, 'the server to see the collection');
    const timeline = (await op.get(`/console/api/parcels/${shipment.parcelId}`)).body.timeline as Array<{ what: string }>;
    expect(timeline.map((t) => t.what)).toEqual(expect.arrayContaining(['marked-for-return', 'returned']));
  });

  it('an announced parcel marked for return is refused at the driver’s scan', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const k: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    const shipment = await server.createShipment({ barcode: 'RTS-K-02', size: 'S', kioskId: k.kioskId(), recipient: { email: 'ret2@example.com' } });
    await k.core.ctx.sync.syncNow();
    expect(localParcel(k, 'RTS-K-02')?.status).toBe('expected');
    const op = await operator(server, 'admin');
    expect((await op.send('POST', `/console/api/parcels/${shipment.parcelId}/return`)).status).toBe(200);
    await k.core.ctx.sync.syncNow();
    await until(() => localParcel(k, 'RTS-K-02')?.status === 'cancelled', 8000, 'the kiosk to cancel it');

    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const session = await k.call('authBadge', { badge: driver.token });
    const scan = await k.core.call('dropoffScan', { sessionId: session.sessionId, barcode: 'RTS-K-02' });
    expect(scan.ok).toBe(false);
    expect(localParcel(k, 'RTS-K-02')?.compartmentId).toBeNull();
  });
});
