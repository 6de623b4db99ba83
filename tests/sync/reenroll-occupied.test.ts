import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { operator } from '../server/console-helpers';
import { codesIn, deliver, localParcel, pickUp, seenOpen, startKiosk, startServer, startSmtpSink, tempDir, until, type Kiosk } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

/**
 * Replacing a kiosk PC while the locker is full (ADR return-reenroll, "Item sensors on a new PC"), with real parts: the
 * fleet server on loopback (SQLite and PostgreSQL runs) with a real SMTP sink, an old kiosk core that took in two
 * parcels and a sender's drop-off, then a NEW kiosk core on an empty data dir whose board ALREADY reads those items when
 * it boots (the steel did not change; the simulated bank is pre-loaded through its `simulated-bank.json`), plus one item
 * nobody accounts for. The new PC's start-up sensor check runs before it is even enrolled: it must not condemn what
 * its store cannot know yet; once the first manifest has placed the parcels, only the unexplained item is condemned.
 */
describe('a replaced kiosk PC that boots with the locker full', () => {
  it('keeps the placed parcels’ doors in service (new codes open them, the drop-off is collected) and condemns only the stray item', async () => {
    const smtp = await startSmtpSink();
    cleanup.push(() => smtp.close());
    const server = await startServer({ channels: { smtpUrl: smtp.url } });
    cleanup.push(() => server.close());
    const old: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => old.close());
    await old.core.ctx.sync.syncNow();
    const kioskId = old.kioskId();

    for (const [barcode, email] of [['FULL-01', 'one@example.com'], ['FULL-02', 'two@example.com']] as const) {
      await server.createShipment({ barcode, size: 'S', kioskId, recipient: { email } });
    }
    const d = await server.createDropoff({ barcode: 'FULL-D1', size: 'S', kioskId, sender: { email: 'd1@example.com' }, destination: { reference: 'RMA-F1' } });
    await old.core.ctx.sync.syncNow();
    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const oldSession = (await old.call('authBadge', { badge: driver.token })).sessionId;
    const doorOf: Record<string, string> = {};
    for (const barcode of ['FULL-01', 'FULL-02']) doorOf[barcode] = await deliver(old, oldSession, barcode);
    const sent = await old.call('sendSubmitCode', { code: d.code });
    doorOf['FULL-D1'] = sent.where.compartmentId;
    await seenOpen(old.core, sent.operationId, 'the drop-off’s door');
    old.core.ctx.simulator!.putItem(doorOf['FULL-D1']);
    old.core.ctx.simulator!.closeDoor(doorOf['FULL-D1']);
    await until(() => localParcel(old, 'FULL-D1')?.status === 'deposited', 8000, 'the drop-off in the locker');
    await old.core.ctx.sync.syncNow();
    await until(async () => (await server.parcel('FULL-D1'))?.status === 'deposited', 8000, 'the server to see the drop-off');
    await until(async () => (await server.parcel('FULL-02'))?.status === 'deposited', 8000, 'the server to see both deliveries');

    const admin = await operator(server, 'admin');
    const t = await admin.send('POST', `/console/api/kiosks/${kioskId}/reenrollment-token`, {});
    expect(t.status).toBe(201);
    const held = Object.values(doorOf);
    const stray = old.core.ctx.layout.compartments.map((c) => c.id).find((id) => !held.includes(id))!;
    await old.close();

    // The new PC's board reads the same steel at its very first poll: three parcels and one item nobody booked.
    const dir = tempDir('sync-kiosk-full-');
    fs.writeFileSync(path.join(dir, 'simulated-bank.json'), JSON.stringify({ items: [...held, stray] }));
    const fresh: Kiosk = await startKiosk({ url: server.url, token: t.body.enrollmentToken as string, dir });
    cleanup.push(() => fresh.close());
    expect(fresh.kioskId()).toBe(kioskId);
    await fresh.core.ctx.sync.syncNow();
    for (const barcode of Object.keys(doorOf)) {
      await until(() => localParcel(fresh, barcode)?.status === 'deposited', 8000, `the new PC to place ${barcode}`);
      expect(localParcel(fresh, barcode)!.compartmentId).toBe(doorOf[barcode]);
    }
    const repos = fresh.core.ctx.services.repos;

    // Only the item the manifest does not explain is condemned, once the manifest has been read.
    await until(() => repos.alarms.unacknowledged().some((a) => a.kind === 'unexpected_item' && a.compartmentId === stray), 8000, 'the stray item’s alarm');
    expect(repos.compartments.get(stray)!.inService).toBe(false);
    for (const id of held) expect(repos.compartments.get(id), `${id} holds a placed parcel`).toMatchObject({ inService: true });
    expect(repos.alarms.unacknowledged().filter((a) => a.kind === 'unexpected_item').map((a) => a.compartmentId)).toEqual([stray]);

    // The recipients open their doors with the re-issued codes (not DOOR_FAULT).
    for (const barcode of ['FULL-01', 'FULL-02']) {
      const code = await until(() => codesIn(smtp.mails, barcode)[1], 8000, `${barcode}'s new code e-mail`);
      await pickUp(fresh, code, barcode);
    }
    // The driver collects the sender's drop-off from its door.
    const session = (await fresh.call('authBadge', { badge: driver.token })).sessionId;
    const open = await fresh.call('collectionOpen', { sessionId: session, parcelId: d.parcelId });
    expect(open.where.compartmentId).toBe(doorOf['FULL-D1']);
    await seenOpen(fresh.core, open.operationId, 'the drop-off’s door');
    fresh.core.ctx.simulator!.removeItem(doorOf['FULL-D1']);
    fresh.core.ctx.simulator!.closeDoor(doorOf['FULL-D1']);
    await until(() => localParcel(fresh, 'FULL-D1')?.status === 'collected', 8000, 'the drop-off collected');
  });
});
