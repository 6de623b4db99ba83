import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operator } from './console-helpers';
import { deposited, http, startTestServer, TestKiosk, type Started } from './helpers';

/**
 * Red-team 12 finding 1: a barcode is not a parcel. A returned or re-sent barcode belongs to an old finished parcel and
 * a live one at once; every console and carrier action must hit the parcel its caller named (the console: by id; a
 * carrier key: its own carrier's parcel) and be refused 409 when that parcel's state does not allow it, never move on
 * to a namesake. Over real HTTP against a real fleet server, on SQLite and on PostgreSQL.
 */
let s: Started;
let k: TestKiosk;
// Parcels of one barcode are told apart by their creation time: each step moves the clock on (close to real time, so
// the kiosk's signed requests stay inside the server's timestamp window).
let clock = Date.now();
beforeAll(async () => {
  s = await startTestServer({ now: () => clock });
  k = await TestKiosk.enroll(s.server);
});
afterAll(() => s.stop());

const row = async (id: string) => (await s.server.query<{ status: string; pickup_window_days: number }>('SELECT status, pickup_window_days FROM parcels WHERE id = ?', [id]))[0]!;

describe('console parcel actions act on the parcel chosen by id', () => {
  it('a finished parcel sharing a live one’s barcode: cancel, extend, resend, return refused 409; the live one untouched, no audit row claims it', async () => {
    const old = await s.server.createShipment({ barcode: 'SAME-0001', size: 'S', kioskId: k.id, recipient: { email: 'a@example.com' } });
    await s.server.cancelShipment('SAME-0001');
    clock += 1000;
    const live = await s.server.createShipment({ barcode: 'SAME-0001', size: 'M', kioskId: k.id, recipient: { email: 'b@example.com' } });
    const window = (await row(live.parcelId)).pickup_window_days;
    const op = await operator(s.server, 'operator');

    const cancel = await op.send('POST', `/console/api/parcels/${old.parcelId}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe('INVALID_STATE');
    expect(cancel.body.error.message).toContain(old.parcelId);
    const extend = await op.send('POST', `/console/api/parcels/${old.parcelId}/extend`, { days: 5 });
    expect(extend.status).toBe(409);
    expect(extend.body.error.code).toBe('INVALID_STATE');
    const support = await operator(s.server, 'support');
    expect((await support.send('POST', `/console/api/parcels/${old.parcelId}/extend`, { days: 5 })).status).toBe(409);
    expect((await op.send('POST', `/console/api/parcels/${old.parcelId}/resend`)).status).toBe(409);
    expect((await op.send('POST', `/console/api/parcels/${old.parcelId}/return`)).status).toBe(409);

    expect(await row(live.parcelId)).toEqual({ status: 'expected', pickup_window_days: window });
    expect((await op.get(`/console/api/parcels/${live.parcelId}`)).body.parcel.status).toBe('expected');
    const admin = await operator(s.server, 'admin');
    const log = (await admin.get('/console/api/audit?limit=100')).body.entries as Array<{ action: string; target: string | null; outcome: string }>;
    expect(log.filter((e) => e.action.startsWith('parcel.') && e.outcome === 'ok')).toEqual([]);

    // The live one, chosen by its own id, is the one that moves, and its audit row names it.
    const ok = await op.send('POST', `/console/api/parcels/${live.parcelId}/extend`, { days: 2 });
    expect(ok.status).toBe(200);
    expect(ok.body.pickupWindowDays).toBe(window + 2);
    expect((await op.send('POST', `/console/api/parcels/${live.parcelId}/cancel`)).body.parcel).toMatchObject({ parcelId: live.parcelId, status: 'cancelled' });
    const after = (await admin.get('/console/api/audit?limit=100')).body.entries as Array<{ action: string; target: string | null; outcome: string; detail: unknown }>;
    expect(after.filter((e) => e.action.startsWith('parcel.')).map((e) => [e.action, e.target])).toEqual([
      ['parcel.cancel', live.parcelId],
      ['parcel.extend', live.parcelId],
    ]);
    expect((await row(old.parcelId)).status).toBe('cancelled');
  });
});

describe('carrier keys act on their own parcel of a barcode', () => {
  it('another carrier’s live parcel with the same barcode is neither shown, extended nor cancelled; the owner still reaches it', async () => {
    const admin = await operator(s.server, 'admin');
    const key = async (carrier: string) => ((await admin.send('POST', '/console/api/carrier-keys', { carrier, kiosks: null })).body as { key: string }).key;
    const as = (bearer: string) => (method: string, p: string, body?: unknown) =>
      http(s.server.url + p, { method, headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const acme = as(await key('Acme'));
    const zip = as(await key('Zip Post'));
    const ship = { barcode: 'SHARED-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } };

    // Acme's parcel, cancelled; then Zip's with the same barcode, cancelled too; then the kiosk reports Acme's
    // deposited (the driver had it in before the kiosk heard of the cancel): Acme's, the OLDER one, is live again.
    const acmes = (await acme('POST', '/v1/shipments', ship)).body.parcelId as string;
    expect((await acme('DELETE', '/v1/shipments/SHARED-0001')).status).toBe(200);
    clock += 1000;
    const zips = (await zip('POST', '/v1/shipments', ship)).body.parcelId as string;
    expect((await zip('DELETE', '/v1/shipments/SHARED-0001')).status).toBe(200);
    expect((await k.events([deposited(acmes, 'SHARED-0001', 'A01', 'S', clock)])).status).toBe(200);
    const before = await row(acmes);
    expect(before.status).toBe('deposited');

    // Zip's barcode means Zip's (cancelled) parcel: refused, and Acme's is not touched nor shown.
    const ext = await zip('POST', '/v1/shipments/SHARED-0001/extend', { days: 2 });
    expect(ext.status).toBe(409);
    expect(ext.body.error.code).toBe('INVALID_STATE');
    expect((await zip('DELETE', '/v1/shipments/SHARED-0001')).status).toBe(409);
    expect((await zip('GET', '/v1/parcels/SHARED-0001')).body).toMatchObject({ parcelId: zips, status: 'cancelled' });
    expect(await row(acmes)).toEqual(before);

    // Acme reaches its own live parcel although Zip's is newer.
    expect((await acme('GET', '/v1/parcels/SHARED-0001')).body).toMatchObject({ parcelId: acmes, status: 'deposited' });
    const mine = await acme('POST', '/v1/shipments/SHARED-0001/extend', { days: 2 });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ parcelId: acmes, pickupWindowDays: before.pickup_window_days + 2 });
  });
});
