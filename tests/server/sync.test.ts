import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrollResponse, EventsResponse, HeartbeatResponse, ManifestResponse } from '../../src-shared/sync-protocol';
import { codeDigest } from '../../src-common/code-digest';
import { operator } from './console-helpers';
import { admin, deposited, http, pickedUp, startTestServer, TestKiosk, type Started } from './helpers';

let s: Started;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

describe('enrollment', () => {
  it('trades a one-time token for credentials, and refuses it a second time', async () => {
    const token = await s.server.createEnrollmentToken();
    const body = { enrollmentToken: token, capacity: { S: 2, M: 2, L: 1, XL: 1 }, layoutName: 'demo-12' };
    const first = await http(s.server.url + '/v1/kiosks/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(first.status).toBe(200);
    const creds = EnrollResponse.parse(first.body);
    expect(Buffer.from(creds.kioskSecret, 'base64')).toHaveLength(32);
    expect(creds.badgePublicKey).toContain('BEGIN PUBLIC KEY');
    const again = await http(s.server.url + '/v1/kiosks/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(again.status).toBe(401);
    expect(again.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'enrollment token already used' });
  });

  it('refuses an unknown token and bad capacity', async () => {
    const post = (b: unknown) => http(s.server.url + '/v1/kiosks/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    expect((await post({ enrollmentToken: 'x'.repeat(20), capacity: { S: 1, M: 1, L: 1, XL: 1 } })).status).toBe(401);
    const bad = await post({ enrollmentToken: await s.server.createEnrollmentToken(), capacity: { S: -1, M: 1, L: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_INPUT');
  });
});

describe('manifest', () => {
  it('pages expected parcels by cursor, with digests keyed by the kiosk secret', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 10, M: 0, L: 0, XL: 0 });
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push(await s.server.createShipment({ barcode: `PAGE-${k.id.slice(2, 8)}-${i}`, size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } }));
    }
    await s.server.cancelShipment(created[6]!.barcode);
    const seen: ManifestResponse[] = [];
    let cursor = '0';
    for (;;) {
      const r = await k.manifest(cursor, 3);
      expect(r.status).toBe(200);
      const page = ManifestResponse.parse(r.body);
      seen.push(page);
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    expect(seen.map((p) => p.expected.length + p.cancellations.length)).toEqual([3, 3, 2]);
    const expected = seen.flatMap((p) => p.expected);
    expect(expected.map((e) => e.barcode)).toEqual(created.map((c) => c.barcode));
    for (const [i, e] of expected.entries()) expect(e.codeDigest).toBe(codeDigest(k.secret, created[i]!.code));
    expect(seen.flatMap((p) => p.cancellations).map((c) => c.barcode)).toEqual([created[6]!.barcode]);
    // Seqs ascend across pages, and a pull at the end is empty and keeps the cursor.
    const seqs = seen.flatMap((p) => [...p.expected, ...p.cancellations].map((x) => x.seq));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs.slice().sort((a, b) => a - b));
    const tail = ManifestResponse.parse((await k.manifest(cursor)).body);
    expect(tail).toMatchObject({ expected: [], cancellations: [], hasMore: false, nextCursor: cursor });
    // The recipient never appears on the wire.
    expect(JSON.stringify(seen)).not.toContain('+48500100200');
  });

  it("shows a kiosk only its own parcels", async () => {
    const a = await TestKiosk.enroll(s.server);
    const b = await TestKiosk.enroll(s.server);
    await s.server.createShipment({ barcode: `OWN-${a.id.slice(2, 8)}`, size: 'S', kioskId: a.id, recipient: { email: 'x@example.com' } });
    const mb = ManifestResponse.parse((await b.manifest()).body);
    expect(mb.expected).toEqual([]);
  });
});

describe('events', () => {
  it('applies a batch once: the same batch twice is counted once and acked twice', async () => {
    const k = await TestKiosk.enroll(s.server);
    const p = await s.server.createShipment({ barcode: `EV-${k.id.slice(2, 8)}`, size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    const batch = [deposited(p.parcelId, p.barcode), pickedUp(p.parcelId, p.barcode)];
    const r1 = EventsResponse.parse((await k.events(batch)).body);
    expect(r1.acked).toEqual(batch.map((e) => e.id));
    expect(r1.results.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    const r2 = EventsResponse.parse((await k.events(batch)).body);
    expect(r2.acked).toEqual(batch.map((e) => e.id));
    expect(r2.results.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(await s.server.eventCount(k.id)).toBe(2);
    expect((await s.server.parcel(p.barcode))?.status).toBe('picked_up');
    const listed = await admin(s.server, 'GET', `/v1/admin/kiosks/${k.id}/events`);
    expect(listed.body.count).toBe(2);
  });

  it('a deposit of a parcel the server cancelled is accepted: the physical fact wins', async () => {
    const k = await TestKiosk.enroll(s.server);
    const p = await s.server.createShipment({ barcode: `CF-${k.id.slice(2, 8)}`, size: 'M', kioskId: k.id, recipient: { phone: '+48500100200' } });
    await s.server.cancelShipment(p.barcode);
    const r = EventsResponse.parse((await k.events([deposited(p.parcelId, p.barcode, 'B02', 'M')])).body);
    expect(r.results[0]!.outcome).toBe('conflict');
    const view = (await s.server.parcel(p.barcode))!;
    expect(view.status).toBe('deposited');
    expect(view.compartmentId).toBe('B02');
    expect(view.conflict).toMatch(/cancelled/);
  });

  it('records events about unknown parcels and hardware facts without failing the batch', async () => {
    const k = await TestKiosk.enroll(s.server);
    const r = await k.events([
      pickedUp('p_unknownunknown1', 'NOPE-1'),
      { id: crypto.randomUUID(), type: 'door.jammed', occurredAt: new Date().toISOString(), payload: { compartmentId: 'A03' } },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { outcome: string }) => x.outcome)).toEqual(['recorded', 'recorded']);
  });
});

describe('heartbeat', () => {
  it('records availability and says when the manifest has news', async () => {
    const k = await TestKiosk.enroll(s.server);
    const r1 = HeartbeatResponse.parse((await k.heartbeat({ S: 1, M: 1, L: 0, XL: 0 }, { cursor: '0' })).body);
    expect(r1.manifestPending).toBe(false);
    await s.server.createShipment({ barcode: `HB-${k.id.slice(2, 8)}`, size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    const r2 = HeartbeatResponse.parse((await k.heartbeat({ S: 1, M: 1, L: 0, XL: 0 }, { cursor: '0' })).body);
    expect(r2.manifestPending).toBe(true);
    const summary = (await s.server.fleet()).find((f) => f.kioskId === k.id)!;
    expect(summary).toMatchObject({ online: true, freeBySize: { S: 1, M: 1, L: 0, XL: 0 }, outboxDepth: 0 });
    // The console's kiosks list (the fleet page moved behind sign-in, issue 12).
    const page = await (await operator(s.server, 'support')).get('/console/api/kiosks');
    expect(page.status).toBe(200);
    expect(page.body.kiosks.find((x: { kioskId: string }) => x.kioskId === k.id)).toMatchObject({ online: true, freeBySize: { S: 1, M: 1, L: 0, XL: 0 } });
  });
});
