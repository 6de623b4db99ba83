import { afterEach, describe, expect, it } from 'vitest';
import { createSync } from '../../src-main/sync/index';
import { applyManifestPage } from '../../src-main/sync/apply-manifest';
import { createLogger } from '../../src-main/log';
import { deliver, FAST_SYNC, seenOpen, localParcel, pickUp, serverRows, startKiosk, startServer, until, type Kiosk } from './helpers';
import type { FleetServer } from '../../src-server/embedded';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

async function setup() {
  const lines: string[] = [];
  const server = await startServer({ channels: { console: (l) => void lines.push(l) } });
  cleanup.push(() => server.close());
  const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
  cleanup.push(() => k.close());
  await k.core.ctx.sync.syncNow();
  const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
  const { sessionId } = await k.call('authBadge', { badge: driver.token });
  return { server, k, lines, sessionId: sessionId as string, driver };
}

/** `type:outcome` of every event the server stored for `barcode`, in the order received. */
async function outcomes(server: FleetServer, barcode: string): Promise<string[]> {
  const rows = await serverRows<{ type: string; outcome: string; payload: string }>(server, 'SELECT type, outcome, payload FROM events ORDER BY received_at, occurred_at');
  return rows.filter((r) => (JSON.parse(r.payload) as { barcode?: string }).barcode === barcode).map((r) => `${r.type}:${r.outcome}`);
}

async function pausedSync(k: Kiosk) {
  await k.core.ctx.sync.close();
  return async () => {
    k.core.ctx.sync = await createSync(k.core.ctx, FAST_SYNC);
    await k.core.ctx.sync.syncNow();
  };
}

describe('conflicts: the physical fact recorded by the kiosk wins, and the server is told', () => {
  it('a cancellation of a parcel the driver has already deposited (offline) is not applied; the deposit stands on both sides', async () => {
    const { server, k, lines, sessionId } = await setup();
    const s = await server.createShipment({ barcode: 'CX-000001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100201' } });
    await k.core.ctx.sync.syncNow();
    const resume = await pausedSync(k);
    await deliver(k, sessionId, 'CX-000001'); // the deposit event waits in the outbox
    await server.cancelShipment('CX-000001'); // meanwhile the carrier cancels
    expect((await server.parcel('CX-000001'))!.status).toBe('cancelled');
    await resume(); // push (deposit → conflict on the server), then pull (cancellation → refused here)
    expect(localParcel(k, 'CX-000001')).toMatchObject({ status: 'deposited' });
    expect(localParcel(k, 'CX-000001')!.codeDigest).not.toBeNull();
    const view = (await server.parcel('CX-000001'))!;
    expect(view.status).toBe('deposited');
    expect(view.conflict).toMatch(/cancelled/);
    await until(() => k.core.ctx.sync.status().outboxDepth === 0, 3000, 'outbox drained');
    expect(await outcomes(server, 'CX-000001')).toEqual(['parcel.deposited:conflict', 'parcel.deposited:recorded']);
    // The recipient still gets the code, and the parcel can be picked up with it.
    const line = await until(() => lines.find((l) => l.includes('CX-000001') && l.includes(s.code)), 3000, 'the code message');
    expect(line).toMatch(/^\[sms to \+48500100201\]/);
    await pickUp(k, s.code, 'CX-000001');
    await until(async () => (await server.parcel('CX-000001'))?.status === 'picked_up', 3000, 'server pickup');
  });

  it('a cancellation that arrives while the driver has the door open waits for the physical outcome', async () => {
    const { server, k, sessionId } = await setup();
    await server.createShipment({ barcode: 'CX-000002', size: 'M', kioskId: k.kioskId(), recipient: { phone: '+48500100202' } });
    await k.core.ctx.sync.syncNow();
    const started = await k.call('dropoffScan', { sessionId, barcode: 'CX-000002' });
    const id = started.where.compartmentId as string;
    await server.cancelShipment('CX-000002');
    await k.core.ctx.sync.syncNow(); // the cancellation arrives mid-deposit
    expect(localParcel(k, 'CX-000002')!.status).toBe('expected');
    const sim = k.core.ctx.simulator!;
    await seenOpen(k.core, started.operationId);
    sim.putItem(id);
    sim.closeDoor(id);
    await until(() => localParcel(k, 'CX-000002')?.status === 'deposited', 3000, 'deposited');
    await until(async () => (await server.parcel('CX-000002'))?.status === 'deposited', 3000, 'server deposit');
    expect((await server.parcel('CX-000002'))!.conflict).toMatch(/cancelled/);
  });

  it('a cancellation put off by an open door is applied once the driver closes it empty', async () => {
    const { server, k, sessionId } = await setup();
    await server.createShipment({ barcode: 'CX-000005', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100205' } });
    await k.core.ctx.sync.syncNow();
    const started = await k.call('dropoffScan', { sessionId, barcode: 'CX-000005' });
    const id = started.where.compartmentId;
    await server.cancelShipment('CX-000005');
    await k.core.ctx.sync.syncNow();
    expect(localParcel(k, 'CX-000005')!.status).toBe('expected');
    const sim = k.core.ctx.simulator!;
    await seenOpen(k.core, started.operationId);
    sim.closeDoor(id); // nothing went in
    await until(() => localParcel(k, 'CX-000005')?.compartmentId === null, 3000, 'reservation released');
    await k.core.ctx.sync.syncNow();
    expect(localParcel(k, 'CX-000005')).toMatchObject({ status: 'cancelled', codeDigest: null });
    expect((await server.parcel('CX-000005'))!.status).toBe('cancelled');
  });

  it('a cancellation of an untouched expected parcel is applied: its code stops working', async () => {
    const { server, k } = await setup();
    const s = await server.createShipment({ barcode: 'CX-000003', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100203' } });
    await k.core.ctx.sync.syncNow();
    await server.cancelShipment('CX-000003');
    await k.core.ctx.sync.syncNow();
    expect(localParcel(k, 'CX-000003')).toMatchObject({ status: 'cancelled', codeDigest: null });
    const r = await k.core.call('pickupSubmitCode', { code: s.code });
    expect(r.ok).toBe(false);
    expect(await outcomes(server, 'CX-000003')).toEqual([]);
  });

  it('expiry extensions and badge revocations arrive with the manifest', async () => {
    const { server, k, sessionId, driver } = await setup();
    await server.createShipment({ barcode: 'CX-000004', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100204' } });
    await k.core.ctx.sync.syncNow();
    await deliver(k, sessionId, 'CX-000004');
    await until(async () => (await server.parcel('CX-000004'))?.status === 'deposited', 3000, 'server deposit');
    const before = localParcel(k, 'CX-000004')!.expiresAt!;
    await server.extendShipment('CX-000004', 2);
    await server.revokeBadge(driver.badgeId);
    await k.core.ctx.sync.syncNow();
    expect(localParcel(k, 'CX-000004')!.expiresAt).toBe(Date.parse((await server.parcel('CX-000004'))!.expiresAt!));
    expect(localParcel(k, 'CX-000004')!.expiresAt! - before).toBe(2 * 86_400_000);
    const again = await k.core.call('authBadge', { badge: driver.token });
    expect(again.ok).toBe(false);
    expect(!again.ok && again.error.code).toBe('BADGE_REVOKED');
  });

  it('an expiry extension never shortens the stay of a parcel already deposited (the promise to the recipient stands)', async () => {
    const { server, k, sessionId } = await setup();
    const s = await server.createShipment({ barcode: 'CX-000005', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100205' } });
    await k.core.ctx.sync.syncNow();
    await deliver(k, sessionId, 'CX-000005');
    const promised = localParcel(k, 'CX-000005')!.expiresAt!;
    const repos = k.core.ctx.services.repos;
    const now = Date.now();
    const r = applyManifestPage(
      { ...repos, log: createLogger('test') },
      {
        expected: [],
        cancellations: [],
        extensions: [
          { seq: 1_000_000, parcelId: s.parcelId, barcode: 'CX-000005', pickupWindowDays: 1, expiresAt: new Date(promised - 86_400_000).toISOString() },
          { seq: 1_000_001, parcelId: s.parcelId, barcode: 'CX-000005', pickupWindowDays: 1, expiresAt: null },
        ],
        revokedBadges: [],
        revokedBadgeIds: [],
        nextCursor: '1000001',
        hasMore: false,
        serverTime: new Date(now).toISOString(),
      },
      now,
    );
    expect(localParcel(k, 'CX-000005')!.expiresAt).toBe(promised);
    expect(r.extendRefused).toBe(2);
  });

  it('a window extended while the kiosk deposited offline: both sides end on the longer expiry, and a later extension adds to it', async () => {
    const { server, k, sessionId } = await setup();
    await server.createShipment({ barcode: 'CX-000006', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100206' } });
    await k.core.ctx.sync.syncNow();
    const resume = await pausedSync(k);
    await deliver(k, sessionId, 'CX-000006'); // offline: expires after the 3-day window the kiosk knows
    const deposited = localParcel(k, 'CX-000006')!;
    await server.extendShipment('CX-000006', 2); // meanwhile the carrier gives the (still expected) parcel 5 days
    await resume();
    await until(async () => (await server.parcel('CX-000006'))?.status === 'deposited', 3000, 'server deposit');
    await k.core.ctx.sync.syncNow();
    const fiveDays = deposited.depositedAt! + 5 * 86_400_000;
    expect(localParcel(k, 'CX-000006')!.expiresAt).toBe(fiveDays);
    expect(Date.parse((await server.parcel('CX-000006'))!.expiresAt!)).toBe(fiveDays);
    await server.extendShipment('CX-000006', 1);
    await k.core.ctx.sync.syncNow();
    expect(localParcel(k, 'CX-000006')!.expiresAt).toBe(fiveDays + 86_400_000);
    expect(Date.parse((await server.parcel('CX-000006'))!.expiresAt!)).toBe(fiveDays + 86_400_000);
  });
});
