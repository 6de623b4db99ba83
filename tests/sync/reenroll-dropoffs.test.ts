import { afterEach, describe, expect, it } from 'vitest';
import { operator } from '../server/console-helpers';
import { localParcel, seenOpen, startKiosk, startServer, startSmtpSink, until, type Kiosk } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

/** The drop-off codes mailed for `barcode`, in order (the en text of notify/dropoff-messages.ts). */
const dropoffCodes = (mails: { raw: string }[], barcode: string) =>
  mails.map((m) => new RegExp(`code to drop off parcel ${barcode} at locker \\S+ is ([0-9]{6})`).exec(m.raw.replace(/=\r?\n/g, ''))?.[1]).filter((c): c is string => !!c);

/**
 * The red team's scene with real parts: the fleet server on loopback (SQLite and PostgreSQL runs) with a real SMTP sink;
 * drop-off D1 waits for its sender, D2's sender put the parcel in at the OLD kiosk core; then the console's
 * re-enrollment token, the old PC dies, and a NEW kiosk core on an empty data dir enrolls with the token and syncs.
 */
async function replacedPcWithDropoffs() {
  const smtp = await startSmtpSink();
  cleanup.push(() => smtp.close());
  const server = await startServer({ channels: { smtpUrl: smtp.url } });
  cleanup.push(() => server.close());
  const old: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
  cleanup.push(() => old.close());
  await old.core.ctx.sync.syncNow();
  const kioskId = old.kioskId();

  const d1 = await server.createDropoff({ barcode: 'SWAP-D1', size: 'S', kioskId, sender: { email: 'd1@example.com' }, destination: { reference: 'RMA-D1' } });
  const d2 = await server.createDropoff({ barcode: 'SWAP-D2', size: 'S', kioskId, sender: { email: 'd2@example.com' }, destination: { reference: 'RMA-D2' } });
  await old.core.ctx.sync.syncNow();
  await until(() => localParcel(old, 'SWAP-D2'), 8000, 'the old PC to know D2');
  const sent = await old.call('sendSubmitCode', { code: d2.code });
  const door = sent.where.compartmentId;
  await seenOpen(old.core, sent.operationId, `door ${door}`);
  old.core.ctx.simulator!.putItem(door);
  old.core.ctx.simulator!.closeDoor(door);
  await until(() => localParcel(old, 'SWAP-D2')?.status === 'deposited', 8000, 'D2 in the locker');
  await old.core.ctx.sync.syncNow();
  await until(async () => (await server.parcel('SWAP-D2'))?.status === 'deposited', 8000, 'the server to see D2 deposited');
  await until(() => dropoffCodes(smtp.mails, 'SWAP-D1').length === 1, 8000, 'D1’s booking e-mail');

  const admin = await operator(server, 'admin');
  const t = await admin.send('POST', `/console/api/kiosks/${kioskId}/reenrollment-token`, {});
  expect(t.status).toBe(201);
  await old.close();
  const fresh: Kiosk = await startKiosk({ url: server.url, token: t.body.enrollmentToken as string });
  cleanup.push(() => fresh.close());
  expect(fresh.kioskId()).toBe(kioskId);
  await fresh.core.ctx.sync.syncNow();
  const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
  const session = (await fresh.call('authBadge', { badge: driver.token })).sessionId;
  return { server, mails: smtp.mails, fresh, d1, d2, door, session };
}

describe('a replaced kiosk PC with drop-offs (ADRs 0019, return-reenroll)', () => {
  it('keeps a waiting drop-off a drop-off: a driver cannot deliver it, its sender is mailed a new code at once and it opens', async () => {
    const { fresh, mails, d1, session } = await replacedPcWithDropoffs();
    await until(() => localParcel(fresh, 'SWAP-D1'), 8000, 'the new PC to learn of D1');
    expect(localParcel(fresh, 'SWAP-D1')).toMatchObject({ status: 'expected', direction: 'out', expiresAt: Date.parse(d1.deadline) });
    // The red team's driver scanned D1's label and a door opened to "deliver" it: now no door opens.
    const scan = await fresh.core.call('dropoffScan', { sessionId: session, barcode: 'SWAP-D1' });
    expect(scan).toMatchObject({ ok: false, error: { code: 'UNKNOWN_PARCEL' } });

    const newCode = await until(() => dropoffCodes(mails, 'SWAP-D1')[1], 8000, 'D1’s new code e-mail');
    expect(newCode).not.toBe(d1.code);
    expect((await fresh.core.call('sendSubmitCode', { code: d1.code })).ok).toBe(false);
    const sim = fresh.core.ctx.simulator!;
    const again = await fresh.call('sendSubmitCode', { code: newCode });
    await seenOpen(fresh.core, again.operationId, 'D1’s door');
    sim.putItem(again.where.compartmentId);
    sim.closeDoor(again.where.compartmentId);
    await until(() => localParcel(fresh, 'SWAP-D1')?.status === 'deposited', 8000, 'D1 in the locker');
  });

  it('places a deposited drop-off in its compartment, on the driver’s collection list, and the fleet hears it collected', async () => {
    const { server, fresh, mails, d2, door, session } = await replacedPcWithDropoffs();
    await until(() => localParcel(fresh, 'SWAP-D2'), 8000, 'the new PC to learn where D2 is');
    expect(localParcel(fresh, 'SWAP-D2')).toMatchObject({ status: 'deposited', direction: 'out', compartmentId: door, expiresAt: null });
    const list = await fresh.call('collectionList', { sessionId: session });
    expect(list.parcels).toEqual([expect.objectContaining({ barcode: 'SWAP-D2', compartmentId: door, kind: 'outgoing' })]);

    const sim = fresh.core.ctx.simulator!;
    sim.putItem(door); // the same physical locker: the parcel is behind that door
    const open = await fresh.call('collectionOpen', { sessionId: session, parcelId: d2.parcelId });
    await seenOpen(fresh.core, open.operationId, `door ${door}`);
    sim.removeItem(door);
    sim.closeDoor(door);
    await until(() => localParcel(fresh, 'SWAP-D2')?.status === 'collected', 8000, 'D2 collected');
    await fresh.core.ctx.sync.syncNow();
    await until(async () => (await server.parcel('SWAP-D2'))?.status === 'collected', 8000, 'the server to see D2 collected');
    // Its sender is done: no new code for them.
    expect(dropoffCodes(mails, 'SWAP-D2')).toHaveLength(1);
  });
});
