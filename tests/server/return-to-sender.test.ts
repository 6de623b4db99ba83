import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestResponse, type SyncEvent } from '../../src-shared/sync-protocol';
import { operator, type ConsoleClient } from './console-helpers';
import { deposited, http as req, pickedUp, startTestServer, TestKiosk, until, type Started } from './helpers';

/**
 * Mark for return to sender (issue 12, ADR return-reenroll) over real HTTP against a real fleet server (SQLite and
 * PostgreSQL runs), with a real local webhook receiver standing in for the carrier: the console action, its role limits
 * and audit, the parcel's timeline, what the kiosk is told (manifest), and the carrier's `returned` status webhook.
 */
let s: Started;
let admin: ConsoleClient;
let k: TestKiosk;
const got: Array<{ type: string; barcode: string; status: string; cancelReason: string | null }> = [];
const receiver = http.createServer((rq, rs) => {
  let body = '';
  rq.on('data', (c: Buffer) => (body += c.toString('utf8')));
  rq.on('end', () => {
    const b = JSON.parse(body) as { type: string; parcel: { barcode: string; status: string; cancelReason: string | null } };
    got.push({ type: b.type, barcode: b.parcel.barcode, status: b.parcel.status, cancelReason: b.parcel.cancelReason });
    rs.end();
  });
});
let key: string;

beforeAll(async () => {
  s = await startTestServer({ webhooks: { pollMs: 25, baseDelayMs: 40, maxDelayMs: 200, timeoutMs: 2_000 } });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  admin = await operator(s.server, 'admin');
  k = await TestKiosk.enroll(s.server);
  const made = (await admin.send('POST', '/console/api/carrier-keys', { carrier: 'Return Co', kiosks: null })).body as { id: string; key: string };
  key = made.key;
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  expect((await admin.send('PUT', `/console/api/carrier-keys/${made.id}/webhook`, { url })).status).toBe(200);
});
afterAll(async () => {
  await s.stop();
  await new Promise((r) => receiver.close(r));
});

const ship = async (barcode: string) => {
  const r = await req(s.server.url + '/v1/shipments', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ barcode, size: 'S', kioskId: k.id, recipient: { email: 'rts@example.com' } }),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { parcelId: string; barcode: string };
};
const manifest = async () => ManifestResponse.parse((await k.manifest('0', 500)).body);
const collected = (parcelId: string, barcode: string, compartmentId: string): SyncEvent => ({
  id: randomUUID(),
  type: 'parcel.collected',
  occurredAt: new Date().toISOString(),
  payload: { parcelId, barcode, compartmentId },
});
const hooksFor = (barcode: string) => got.filter((g) => g.barcode === barcode).map((g) => g.type);

describe('mark for return to sender', () => {
  it('a deposited parcel stops being a pickup: kept for collection, the kiosk told, and the carrier hears `returned` once it is collected', async () => {
    const op = await operator(s.server, 'operator');
    const p = await ship('RTS-DEP-1');
    expect((await k.events([deposited(p.parcelId, p.barcode, 'A04')])).status).toBe(200);

    const r = await op.send('POST', `/console/api/parcels/${p.parcelId}/return`);
    expect(r.status).toBe(200);
    expect(r.body.returnOutcome).toBe('awaiting_collection');
    expect(r.body.parcel).toMatchObject({ status: 'expired', compartmentId: 'A04' });
    expect(r.body.parcel.returnRequestedAt).toEqual(expect.any(String));
    const whats = (r.body.timeline as Array<{ what: string; detail: string | null }>).map((t) => `${t.what}:${t.detail ?? ''}`);
    expect(whats).toEqual(expect.arrayContaining(['marked-for-return:kept for the driver\'s collection', `operator:parcel.return by ${op.email}`]));

    const m = await manifest();
    expect(m.returns!.filter((e) => e.parcelId === p.parcelId)).toHaveLength(1);
    // No new code, no longer window, not twice.
    expect((await op.send('POST', `/console/api/parcels/${p.parcelId}/resend`)).status).toBe(409);
    expect((await op.send('POST', `/console/api/parcels/${p.parcelId}/extend`, { days: 2 })).status).toBe(409);
    expect((await op.send('POST', `/console/api/parcels/${p.parcelId}/return`)).status).toBe(409);

    expect((await k.events([collected(p.parcelId, p.barcode, 'A04')])).status).toBe(200);
    await until(() => hooksFor('RTS-DEP-1').includes('parcel.returned'), 10_000, 'the returned webhook');
    expect(hooksFor('RTS-DEP-1')).toEqual(['parcel.deposited', 'parcel.returned']);
    expect(got.find((g) => g.type === 'parcel.returned' && g.barcode === 'RTS-DEP-1')!.status).toBe('collected');
    const after = (await op.get(`/console/api/parcels/${p.parcelId}`)).body.timeline as Array<{ what: string }>;
    expect(after.map((t) => t.what)).toContain('returned');
  });

  it('an expected parcel is cancelled for delivery (reason return_to_sender) and the carrier hears `returned` at once', async () => {
    const p = await ship('RTS-EXP-1');
    const r = await admin.send('POST', `/console/api/parcels/${p.parcelId}/return`);
    expect(r.status).toBe(200);
    expect(r.body.returnOutcome).toBe('cancelled');
    expect(r.body.parcel.status).toBe('cancelled');
    const c = (await manifest()).cancellations.filter((e) => e.parcelId === p.parcelId);
    expect(c).toEqual([expect.objectContaining({ reason: 'return_to_sender' })]);
    await until(() => hooksFor('RTS-EXP-1').includes('parcel.returned'), 10_000, 'the returned webhook');
    expect(got.find((g) => g.barcode === 'RTS-EXP-1')).toMatchObject({ status: 'cancelled', cancelReason: 'return_to_sender' });
    const carrierView = await req(s.server.url + '/v1/parcels/RTS-EXP-1', { headers: { authorization: `Bearer ${key}` } });
    expect(carrierView.body).toMatchObject({ status: 'cancelled', cancelReason: 'return_to_sender' });
  });

  it('a deposit that raced the mark stays a return: kept for collection, no code message, the kiosk told again', async () => {
    const p = await ship('RTS-RACE-1');
    expect((await admin.send('POST', `/console/api/parcels/${p.parcelId}/return`)).status).toBe(200);
    const ev = deposited(p.parcelId, p.barcode, 'A05');
    const res = await k.events([ev]);
    expect(res.body.results[0]).toMatchObject({ outcome: 'conflict' });
    const d = (await admin.get(`/console/api/parcels/${p.parcelId}`)).body;
    expect(d.parcel).toMatchObject({ status: 'expired', compartmentId: 'A05' });
    expect((await manifest()).returns!.filter((e) => e.parcelId === p.parcelId)).toHaveLength(1);
    const codes = await s.server.query<{ n: number }>("SELECT COUNT(*) AS n FROM notifications WHERE parcel_id = ? AND kind = 'code'", [p.parcelId]);
    expect(Number(codes[0]!.n)).toBe(0);
  });

  it('follows the role table (support may not), needs the CSRF token, refuses what has nothing to return, and changes nothing then', async () => {
    const support = await operator(s.server, 'support');
    const p = await ship('RTS-ROLE-1');
    expect((await support.send('POST', `/console/api/parcels/${p.parcelId}/return`)).status).toBe(403);
    expect((await admin.send('POST', `/console/api/parcels/${p.parcelId}/return`, undefined, { csrf: false })).status).toBe(403);
    expect((await admin.get(`/console/api/parcels/${p.parcelId}`)).body.parcel.status).toBe('expected');

    const gone = await ship('RTS-ROLE-2');
    await k.events([deposited(gone.parcelId, gone.barcode, 'A06')]);
    await k.events([pickedUp(gone.parcelId, gone.barcode, 'A06')]);
    const head = (await manifest()).nextCursor;
    const refused = await admin.send('POST', `/console/api/parcels/${gone.parcelId}/return`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('INVALID_STATE');
    expect((await manifest()).nextCursor).toBe(head);
    expect((await admin.send('POST', '/console/api/parcels/p_doesnotexist00/return')).status).toBe(404);

    const entries = (await admin.get('/console/api/audit?limit=100')).body.entries as Array<{ action: string; target: string; outcome: string }>;
    expect(entries.filter((e) => e.target?.includes(p.parcelId)).map((e) => `${e.action}:${e.outcome}`)).toEqual(expect.arrayContaining(['parcel.return:refused']));
  });
});
