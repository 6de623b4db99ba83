import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestResponse, ShipmentResponse } from '../../src-shared/sync-protocol';
import { fits } from '../../src-server/services/capacity';
import { admin, deposited, snapshot, startTestServer, TestKiosk, type Res, type Started } from './helpers';

let s: Started;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

const ship = (kioskId: string, barcode: string, size = 'S', extra: Record<string, unknown> = {}) =>
  admin(s.server, 'POST', '/v1/shipments', { barcode, size, kioskId, recipient: { phone: '+48500100200' }, ...extra });

describe('capacity rule', () => {
  it('lets a parcel take a larger compartment, never a smaller one', () => {
    expect(fits({ S: 0, M: 0, L: 0, XL: 1 }, { S: 1, M: 0, L: 0, XL: 0 })).toBe(true);
    expect(fits({ S: 2, M: 0, L: 0, XL: 0 }, { S: 0, M: 1, L: 0, XL: 0 })).toBe(false);
    expect(fits({ S: 1, M: 1, L: 0, XL: 0 }, { S: 1, M: 1, L: 0, XL: 0 })).toBe(true);
    expect(fits({ S: 1, M: 1, L: 0, XL: 0 }, { S: 0, M: 2, L: 0, XL: 0 })).toBe(false);
  });
});

describe('POST /v1/shipments', () => {
  it('accepts a shipment as expected and it reaches the manifest', async () => {
    const k = await TestKiosk.enroll(s.server);
    const r = await ship(k.id, 'SHIP-0001', 'M', { accessible: true });
    expect(r.status).toBe(201);
    expect(ShipmentResponse.parse(r.body)).toMatchObject({ barcode: 'SHIP-0001', status: 'expected' });
    expect(JSON.stringify(r.body)).not.toMatch(/"code"/);
    // Nothing that opens the door goes back to the carrier: the QR token alone is a pickup (red team 12b).
    expect(Object.keys(r.body as object).sort()).toEqual(['barcode', 'kioskId', 'parcelId', 'status']);
    const m = ManifestResponse.parse((await k.manifest()).body);
    expect(m.expected).toMatchObject([{ barcode: 'SHIP-0001', size: 'M', accessible: true, pickupWindowDays: 3 }]);
    const view = await admin(s.server, 'GET', '/v1/parcels/SHIP-0001');
    expect(view.body).toMatchObject({ status: 'expected', kioskId: k.id });
  });

  it('issues codes unique among the kiosk’s active parcels', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 0, M: 0, L: 0, XL: 250 });
    const codes = new Set<string>();
    for (let i = 0; i < 250; i++) {
      const c = await s.server.createShipment({ barcode: `UNIQ-${k.id.slice(2, 7)}-${i}`, size: 'S', kioskId: k.id, recipient: { email: 'u@example.com' } });
      expect(c.code).toMatch(/^[0-9]{6}$/);
      codes.add(c.code);
    }
    expect(codes.size).toBe(250);
  });

  it('answers 409 when no fitting compartment is left, counting expected parcels and larger sizes', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 1, M: 0, L: 1, XL: 0 });
    expect((await ship(k.id, `FULL-${k.id.slice(2, 7)}-1`, 'M')).status).toBe(201); // takes the L
    const noM = await ship(k.id, `FULL-${k.id.slice(2, 7)}-2`, 'M');
    expect(noM.status).toBe(409);
    expect(noM.body.error.code).toBe('NO_CAPACITY');
    expect((await ship(k.id, `FULL-${k.id.slice(2, 7)}-3`, 'S')).status).toBe(201);
    expect((await ship(k.id, `FULL-${k.id.slice(2, 7)}-4`, 'S')).status).toBe(409);
  });

  it('reserves against the last heartbeat, minus deposits after it', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 5, M: 0, L: 0, XL: 0 });
    const hbTime = Date.now();
    await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, { freeBySize: { S: 2, M: 0, L: 0, XL: 0 }, faults: [], outboxDepth: 0, version: '1' }, { now: hbTime });
    const a = await s.server.createShipment({ barcode: `HBR-${k.id.slice(2, 7)}-1`, size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    // Deposited after the heartbeat: still occupies one of the 2 free ones, and is no longer "expected".
    await k.events([deposited(a.parcelId, a.barcode, 'A01', 'S', hbTime + 1000)]);
    expect((await ship(k.id, `HBR-${k.id.slice(2, 7)}-2`)).status).toBe(201);
    expect((await ship(k.id, `HBR-${k.id.slice(2, 7)}-3`)).status).toBe(409);
  });

  it('refuses a second active parcel with the same barcode, and an unknown kiosk', async () => {
    const k = await TestKiosk.enroll(s.server);
    expect((await ship(k.id, 'DUPL-0001')).status).toBe(201);
    const dup = await ship(k.id, 'DUPL-0001');
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('DUPLICATE');
    expect((await ship('K-doesnotexist', 'DUPL-0002')).status).toBe(404);
  });
});

describe('cancel and extend', () => {
  it('cancels an expected parcel into the manifest, and refuses to cancel twice', async () => {
    const k = await TestKiosk.enroll(s.server);
    await ship(k.id, 'CANC-0001');
    const r = await admin(s.server, 'DELETE', '/v1/shipments/CANC-0001');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('cancelled');
    expect((await admin(s.server, 'DELETE', '/v1/shipments/CANC-0001')).status).toBe(409);
    expect((await admin(s.server, 'DELETE', '/v1/shipments/NOPE-0001')).status).toBe(404);
    const m = ManifestResponse.parse((await k.manifest()).body);
    expect(m.cancellations.map((c) => c.barcode)).toEqual(['CANC-0001']);
  });

  it('extends an expected parcel (window) and a deposited one (absolute expiry)', async () => {
    const k = await TestKiosk.enroll(s.server);
    const p = await s.server.createShipment({ barcode: 'EXTD-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    const e1 = await admin(s.server, 'POST', '/v1/shipments/EXTD-0001/extend', { days: 2 });
    expect(e1.body.pickupWindowDays).toBe(5);
    const at = Date.now();
    await k.events([deposited(p.parcelId, p.barcode, 'A01', 'S', at)]);
    await admin(s.server, 'POST', '/v1/shipments/EXTD-0001/extend', { days: 1 });
    const m = ManifestResponse.parse((await k.manifest()).body);
    // The kiosk deposited with the 3-day window it knew; the 5 days the carrier granted meanwhile stand (sent back
    // as an absolute expiry), and the next extension adds to them.
    expect(m.extensions.map((x) => [x.pickupWindowDays, x.expiresAt])).toEqual([
      [5, null],
      [5, new Date(at + 5 * 86400_000).toISOString()],
      [6, new Date(at + 6 * 86400_000).toISOString()],
    ]);
  });
});

describe('bad input to every endpoint', () => {
  it('answers 4xx {error:{code,message}} and changes nothing', async () => {
    const k = await TestKiosk.enroll(s.server);
    await ship(k.id, 'BADI-0001');
    const before = await snapshot(s.server);
    const cases: [string, () => Promise<Res>][] = [
      ['shipment: no recipient', () => admin(s.server, 'POST', '/v1/shipments', { barcode: 'BADI-0002', size: 'S', kioskId: k.id, recipient: {} })],
      ['shipment: bad size', () => ship(k.id, 'BADI-0003', 'XXL')],
      ['shipment: bad barcode', () => ship(k.id, 'a b')],
      ['shipment: extra field', () => ship(k.id, 'BADI-0004', 'S', { price: 1 })],
      ['shipment: not JSON', async () => fetch(s.server.url + '/v1/shipments', { method: 'POST', headers: { authorization: `Bearer ${s.server.adminKey}`, 'content-type': 'application/json' }, body: '{oops' }).then(async (r) => ({ status: r.status, body: await r.json() }))],
      ['shipment: text/plain', async () => fetch(s.server.url + '/v1/shipments', { method: 'POST', headers: { authorization: `Bearer ${s.server.adminKey}`, 'content-type': 'text/plain' }, body: 'hi' }).then(async (r) => ({ status: r.status, body: await r.json() }))],
      ['cancel: bad barcode', () => admin(s.server, 'DELETE', '/v1/shipments/%20%20')],
      ['extend: bad days', () => admin(s.server, 'POST', '/v1/shipments/BADI-0001/extend', { days: 0 })],
      ['extend: too long', () => admin(s.server, 'POST', '/v1/shipments/BADI-0001/extend', { days: 30 }).then(() => admin(s.server, 'POST', '/v1/shipments/BADI-0001/extend', { days: 30 }))],
      ['parcel: bad barcode', () => admin(s.server, 'GET', '/v1/parcels/x')],
      ['badge: bad role', () => admin(s.server, 'POST', '/v1/badges', { role: 'admin', name: 'x', ttlHours: 1 })],
      ['revoke: bad id', () => admin(s.server, 'POST', '/v1/badges/nope/revoke')],
      ['revoke: unknown id', () => admin(s.server, 'POST', '/v1/badges/b_unknownunknown/revoke')],
      ['token: bad ttl', () => admin(s.server, 'POST', '/v1/enrollment-tokens', { ttlHours: -1 })],
      ['enroll: empty', () => admin(s.server, 'POST', '/v1/kiosks/enroll', {})],
      ['manifest: bad cursor', () => k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=-1`)],
      // An unknown query parameter is dropped now (a newer kiosk may send one: ADR protocol-version); a bad value is not.
      ['manifest: limit too big', () => k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0&limit=100000`)],
      ['events: empty batch', () => k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [] })],
      ['events: unknown type', () => k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [{ id: crypto.randomUUID(), type: 'parcel.eaten', occurredAt: new Date().toISOString(), payload: {} }] })],
      ['events: one bad in batch', () => k.events([
        { id: crypto.randomUUID(), type: 'door.jammed', occurredAt: new Date().toISOString(), payload: { compartmentId: 'A01' } },
        { id: 'not-a-uuid', type: 'door.jammed', occurredAt: new Date().toISOString(), payload: { compartmentId: 'A01' } } as never,
      ])],
      ['heartbeat: negative', () => k.heartbeat({ S: -1, M: 0, L: 0, XL: 0 })],
      ['heartbeat: bad kiosk id in path', () => k.send('POST', `/v1/kiosks/nope/heartbeat`, {})],
      ['unknown route', () => admin(s.server, 'GET', '/v1/nothing')],
    ];
    for (const [name, run] of cases) {
      const r = await run();
      expect(r.status, name).toBeGreaterThanOrEqual(400);
      expect(r.status, name).toBeLessThan(500);
      expect(typeof r.body?.error?.code, name).toBe('string');
      expect(typeof r.body?.error?.message, name).toBe('string');
    }
    const after = await snapshot(s.server);
    // The one successful 30-day extension in 'extend: too long' aside, nothing changed: same rows everywhere.
    expect({ ...after, manifest: 0, nonces: 0 }).toEqual({ ...before, manifest: 0, nonces: 0 });
    expect(after.manifest! - before.manifest!).toBe(1);
  });
});

describe('bad input beyond the schemas: query strings, prototype keys, size', () => {
  it('refuses unknown query parameters, __proto__ keys and oversized bodies with a clear 4xx, and changes nothing', async () => {
    const k = await TestKiosk.enroll(s.server);
    const before = await snapshot(s.server);
    const body = { barcode: 'QRY-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } };
    const raw = (p: string, text: string, headers: Record<string, string> = {}) =>
      fetch(s.server.url + p, { method: 'POST', headers: { authorization: `Bearer ${s.server.adminKey}`, 'content-type': 'application/json', ...headers }, body: text }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string; message: string } } }),
      );
    const hb = { freeBySize: { S: 1, M: 0, L: 0, XL: 0 }, faults: [], outboxDepth: 0, version: '1' };
    const cases: [string, () => Promise<Res>, number][] = [
      ['shipment: unknown query', () => admin(s.server, 'POST', '/v1/shipments?dryRun=1', body), 400],
      ['badge: unknown query', () => admin(s.server, 'POST', '/v1/badges?role=admin', { role: 'driver', name: 'x', ttlHours: 1 }), 400],
      ['heartbeat: unknown query', () => k.send('POST', `/v1/kiosks/${k.id}/heartbeat?x=1`, hb), 400],
      ['events: unknown query', () => k.send('POST', `/v1/kiosks/${k.id}/events?x=1`, { events: [deposited('p_unknownunknown', 'QRY-0002')] }), 400],
      ['shipment: __proto__ at the top', () => raw('/v1/shipments', `{"__proto__":{"polluted":1},${JSON.stringify(body).slice(1)}`), 400],
      ['shipment: __proto__ in the recipient', () => raw('/v1/shipments', JSON.stringify(body).replace('"phone"', '"__proto__":{"polluted":1},"phone"')), 400],
      ['heartbeat: __proto__ in freeBySize', () => k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, undefined, { rawBody: '{"freeBySize":{"__proto__":{"S":9},"M":0,"L":0,"XL":0},"faults":[],"outboxDepth":0,"version":"1"}' }), 400],
      // Red team 12: `"\u005f_proto__"` is the same key in JSON, and passed the old substring check (201, key dropped).
      ['shipment: __proto__ spelled with a JSON escape', () => raw('/v1/shipments', `{"\\u005f_proto__":{"polluted":1},${JSON.stringify(body).slice(1)}`), 400],
      ['heartbeat: escaped __proto__ in freeBySize', () => k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, undefined, { rawBody: '{"freeBySize":{"\\u005F\\u005Fproto\\u005f\\u005f":{"S":9},"M":0,"L":0,"XL":0},"faults":[],"outboxDepth":0,"version":"1"}' }), 400],
      ['shipment: constructor.prototype in the recipient', () => raw('/v1/shipments', JSON.stringify(body).replace('"phone"', '"constructor":{"prototype":{"polluted":1}},"phone"')), 400],
      ['shipment: 2 MB body', () => raw('/v1/shipments', JSON.stringify({ ...body, pad: 'x'.repeat(2 * 1024 * 1024) })), 413],
    ];
    for (const [name, run, status] of cases) {
      const r = await run();
      expect(r.status, name).toBe(status);
      expect(typeof r.body?.error?.message, name).toBe('string');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await snapshot(s.server)).toEqual(before);
  });
});

describe('intake under concurrency', () => {
  it('parallel shipments for the last free compartment: exactly one 201, the rest 409', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 1, M: 0, L: 0, XL: 0 });
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => ship(k.id, `LAST-${String(i).padStart(4, '0')}`)));
    expect(rs.filter((r) => r.status === 201)).toHaveLength(1);
    expect(rs.filter((r) => r.status === 409 && r.body.error.code === 'NO_CAPACITY')).toHaveLength(19);
  });

  it('parallel shipments to one kiosk get codes unique among its active parcels', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 300, M: 0, L: 0, XL: 0 });
    const rs = await Promise.all(Array.from({ length: 150 }, (_, i) => ship(k.id, `UNIQ-${String(i).padStart(4, '0')}`)));
    expect(rs.every((r) => r.status === 201)).toBe(true);
    const m = ManifestResponse.parse((await k.manifest('0', 500)).body);
    expect(m.expected).toHaveLength(150);
    expect(new Set(m.expected.map((e) => e.codeDigest)).size).toBe(150);
  });
});
