import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { deposited, pickedUp, startTestServer, TestKiosk, type Started } from './helpers';

/**
 * Personal data is kept only as long as needed (issue 14, ADR personal-data), against a real fleet server on loopback
 * (SQLite in `unit`, a real PostgreSQL in `postgres`) with its clock injected: the sweep erases a finished parcel's
 * recipient fields, its messages' addresses and its problem report's note once the retention period has passed, and
 * keeps a live parcel's; an admin's erasure on request erases one recipient's finished parcels at once, names the live
 * ones, erases those when they finish, and is audited without the address.
 */
const DAY = 86_400_000;
let s: Started;
let k: TestKiosk;
let offset = 0;
const now = () => Date.now() + offset;

beforeAll(async () => {
  s = await startTestServer({ now, channels: { console: () => {} }, personalDataDays: 90 });
  k = await TestKiosk.enroll(s.server);
});
afterAll(() => s.stop());

/** Kiosk events signed on the server's (moved) clock. */
const send = async (events: SyncEvent[]) => {
  const r = await k.send('POST', `/v1/kiosks/${k.id}/events`, { events }, { now: now() });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const ship = (barcode: string, recipient: { name?: string; email?: string; phone?: string }) => s.server.createShipment({ barcode, size: 'S', kioskId: k.id, recipient });
const problem = (parcelId: string, barcode: string, note: string): SyncEvent => ({
  id: randomUUID(),
  type: 'problem.reported',
  occurredAt: new Date(now()).toISOString(),
  payload: { kind: 'damaged', parcelId, barcode, reference: 'P-1', note },
});
const parcel = async (id: string) =>
  (await s.server.query<Record<string, unknown>>('SELECT recipient_name, recipient_email, recipient_phone, status FROM parcels WHERE id = ?', [id]))[0]!;
const addresses = async (id: string) => (await s.server.query<{ address: string }>('SELECT address FROM notifications WHERE parcel_id = ? ORDER BY id', [id])).map((r) => r.address);
const notes = async (parcelId: string) =>
  (await s.server.query<{ payload: string }>("SELECT payload FROM events WHERE type = 'problem.reported'")).map((r) => JSON.parse(r.payload) as { parcelId?: string; note?: string }).filter((p) => p.parcelId === parcelId).map((p) => p.note);
const wholeDb = async () =>
  JSON.stringify([
    await s.server.query('SELECT * FROM parcels'),
    await s.server.query('SELECT * FROM notifications'),
    await s.server.query('SELECT * FROM events'),
    await s.server.query('SELECT * FROM operator_audit'),
  ]);

describe('personal data after the retention period', () => {
  it("erases a finished parcel's recipient, message addresses and problem note after 90 days; a live parcel keeps its own", async () => {
    const done = await ship('PD-DONE-1', { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+48500100201' });
    const live = await ship('PD-LIVE-1', { name: 'Grace Hopper', email: 'grace@example.com' });
    await send([deposited(done.parcelId, done.barcode, 'A01', 'S', now()), deposited(live.parcelId, live.barcode, 'A02', 'S', now())]);
    await send([problem(done.parcelId, done.barcode, 'Box crushed, call Ada on +48500100201'), pickedUp(done.parcelId, done.barcode, 'A01', now())]);
    await s.server.drainNotifications();
    expect(await addresses(done.parcelId)).toEqual(expect.arrayContaining(['ada@example.com', '+48500100201']));

    // 89 days on: still within the period, nothing erased.
    offset += 89 * DAY;
    await s.server.sweep();
    expect(await parcel(done.parcelId)).toMatchObject({ recipient_email: 'ada@example.com', recipient_phone: '+48500100201', recipient_name: 'Ada Lovelace' });
    expect(await notes(done.parcelId)).toEqual(['Box crushed, call Ada on +48500100201']);

    offset += 2 * DAY;
    await s.server.sweep();
    expect(await parcel(done.parcelId)).toEqual({ recipient_name: null, recipient_email: null, recipient_phone: null, status: 'picked_up' });
    const gone = await addresses(done.parcelId);
    expect(gone.length).toBeGreaterThanOrEqual(2);
    for (const a of gone) expect(a).toMatch(/^\[erased\]#\d+$/);
    expect(await notes(done.parcelId)).toEqual(['[erased]']);
    // What the network needs stays: the barcode, the status, the times.
    expect((await s.server.parcel('PD-DONE-1'))).toMatchObject({ status: 'picked_up' });

    // The live parcel (deposited, waiting) keeps its contact: its reminder and expiry messages still need it.
    expect(await parcel(live.parcelId)).toMatchObject({ recipient_email: 'grace@example.com', recipient_name: 'Grace Hopper', status: 'deposited' });
    expect(await addresses(live.parcelId)).toContain('grace@example.com');
    const all = await wholeDb();
    expect(all).not.toContain('ada@example.com');
    expect(all).not.toContain('500100201');
    expect(all).not.toContain('Ada Lovelace');
  });
});

describe('erasure on request', () => {
  it('an admin erases one recipient: finished parcels at once, live ones when they finish; audited by digest, never the address', async () => {
    const who = 'Erase.Me@Example.com';
    const old = await ship('PD-REQ-OLD', { name: 'Erin', email: 'erase.me@example.com' });
    const waiting = await ship('PD-REQ-WAIT', { name: 'Erin', email: 'erase.me@example.com', phone: '+48500100299' });
    const other = await ship('PD-REQ-OTHER', { name: 'Otto', email: 'otto@example.com' });
    await send([deposited(old.parcelId, old.barcode, 'A03', 'S', now()), deposited(waiting.parcelId, waiting.barcode, 'A04', 'S', now())]);
    await send([deposited(other.parcelId, other.barcode, 'B01', 'S', now())]);
    await send([pickedUp(old.parcelId, old.barcode, 'A03', now()), pickedUp(other.parcelId, other.barcode, 'B01', now())]);
    await send([problem(old.parcelId, old.barcode, 'Erin says the box was wet')]);
    await s.server.drainNotifications();

    // Not for operators or support: admins only, and refused before anything changes.
    for (const role of ['operator', 'support'] as const) {
      const c = await operator(s.server, role);
      expect((await c.send('POST', '/console/api/personal-data/erase', { email: who })).status).toBe(403);
    }
    const admin = await operator(s.server, 'admin');
    // Bad input: a clear error, nothing changed.
    const bad = await admin.send('POST', '/console/api/personal-data/erase', { email: who, phone: '+48500100299' });
    expect(bad.status).toBe(400);
    expect(await parcel(old.parcelId)).toMatchObject({ recipient_email: 'erase.me@example.com' });

    const r = await admin.send('POST', '/console/api/personal-data/erase', { email: who });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.erasedParcels).toEqual([{ parcelId: old.parcelId, barcode: 'PD-REQ-OLD', status: 'picked_up' }]);
    expect(r.body.pending).toEqual([{ parcelId: waiting.parcelId, barcode: 'PD-REQ-WAIT', status: 'deposited' }]);
    expect(r.body.erased).toMatchObject({ parcels: 1, notes: 1 });
    expect(await parcel(old.parcelId)).toMatchObject({ recipient_name: null, recipient_email: null });
    expect(await notes(old.parcelId)).toEqual(['[erased]']);
    // Still waiting: its code and reminders need the address; another recipient is untouched.
    expect(await parcel(waiting.parcelId)).toMatchObject({ recipient_email: 'erase.me@example.com', status: 'deposited' });
    expect(await parcel(other.parcelId)).toMatchObject({ recipient_email: 'otto@example.com' });

    // The console's audit log shows it (who, what, how many), and it holds no address.
    const audit = (await admin.get('/console/api/audit?limit=20')).body as { entries: Array<{ action: string }> };
    expect(audit.entries.map((e) => e.action)).toContain('personal.erase');
    expect(JSON.stringify(audit).toLowerCase()).not.toContain('erase.me');
    const rows = await s.server.query<{ operator_email: string; target: string; detail: string; outcome: string }>(
      "SELECT operator_email, target, detail, outcome FROM operator_audit WHERE action = 'personal.erase' ORDER BY at, id",
    );
    // The two refusals are audited too (the guard, before the body is read), then the one that ran.
    expect(rows.map((x) => x.outcome)).toEqual(['refused', 'refused', 'ok']);
    rows.splice(0, 2);
    expect(rows[0]).toMatchObject({ operator_email: admin.email, outcome: 'ok' });
    expect(rows[0]!.target).toMatch(/^recipient:[0-9a-f]{16}$/);
    expect(JSON.parse(rows[0]!.detail)).toMatchObject({ by: 'email', parcels: 1, notes: 1, pending: 1 });

    // The waiting one is picked up: the next sweep erases it, without waiting out the period.
    await send([pickedUp(waiting.parcelId, waiting.barcode, 'A04', now())]);
    await s.server.sweep();
    expect(await parcel(waiting.parcelId)).toMatchObject({ recipient_name: null, recipient_email: null, recipient_phone: null, status: 'picked_up' });
    expect(await parcel(other.parcelId)).toMatchObject({ recipient_email: 'otto@example.com' });
    const all = await wholeDb();
    expect(all.toLowerCase()).not.toContain('erase.me@example.com');
    expect(all).not.toContain('500100299');
  });
});
