import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { deposited, pickedUp, startTestServer, TestKiosk, type Started } from './helpers';

/**
 * The console's analytics (issue 12, ADR analytics-notifications) over real HTTP against a real fleet server, on
 * SQLite and on PostgreSQL: figures from seeded kiosk events, per kiosk and fleet-wide.
 */
let s: Started;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

const DAY = 86_400_000;
const H = 3_600_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ev = (type: string, payload: Record<string, unknown>, at: number): SyncEvent => ({ id: randomUUID(), type, occurredAt: new Date(at).toISOString(), payload }) as SyncEvent;

async function parcel(k: TestKiosk, barcode: string, size: 'S' | 'M', depositAt: number): Promise<{ id: string; barcode: string }> {
  const p = await s.server.createShipment({ barcode, size, kioskId: k.id, recipient: { email: 'a@example.com' } });
  expect((await k.events([deposited(p.parcelId, barcode, 'A01', size, depositAt)])).status).toBe(200);
  return { id: p.parcelId, barcode };
}

describe('console analytics', () => {
  it('utilisation per size at each day end, dwell buckets, expiry rate and failed-code rate for one kiosk', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 4, M: 2, L: 0, XL: 0 });
    const d3 = today - 3 * DAY;
    const a = await parcel(k, 'AN-A-' + k.id.slice(-4), 'S', d3 + 8 * H); // picked up 2 h later: < 4 h
    const b = await parcel(k, 'AN-B-' + k.id.slice(-4), 'S', d3 + 9 * H); // picked up next day +30 h: 1–2 d
    const c = await parcel(k, 'AN-C-' + k.id.slice(-4), 'M', d3 + 10 * H); // expires two days later
    expect((await k.events([pickedUp(a.id, a.barcode, 'A01', d3 + 10 * H), pickedUp(b.id, b.barcode, 'A01', d3 + 39 * H)])).status).toBe(200);
    expect((await k.events([ev('parcel.expired', { parcelId: c.id, barcode: c.barcode, compartmentId: 'A01' }, d3 + 2 * DAY + 11 * H)])).status).toBe(200);
    // Two overlapping rolling-window reports on day −1 (worst: 9 + 1) and one on day −2 (3): 13 wrong entries.
    const codes = (keypad: number, qr: number, at: number) => ev('codes.failed', { windowHours: 24, keypadFailures: keypad, qrFailures: qr, mode: 'plain', reason: 'summary' }, at);
    expect((await k.events([codes(3, 0, today - 2 * DAY + H), codes(5, 0, today - DAY + H), codes(9, 1, today - DAY + 2 * H)])).status).toBe(200);

    const op = await operator(s.server, 'support');
    const r = await op.get(`/console/api/analytics?kiosk=${k.id}&to=${iso(today)}&days=5`);
    expect(r.status).toBe(200);
    expect(r.body.days).toEqual([4, 3, 2, 1, 0].map((n) => iso(today - n * DAY)));
    expect(r.body.capacity).toEqual({ S: 4, M: 2, L: 0, XL: 0 });
    // Day −3 ends with b (S) and c (M) inside; day −2 too; b leaves on day −2 at 15:00 → day −2 end: c only.
    expect(r.body.utilisation.S.occupied).toEqual([0, 1, 0, 0, 0]);
    expect(r.body.utilisation.S.share).toEqual([0, 0.25, 0, 0, 0]);
    // c expired on day −1 but is still in its compartment until a driver collects it.
    expect(r.body.utilisation.M.occupied).toEqual([0, 1, 1, 1, 1]);
    expect(r.body.utilisation.L.share).toEqual([null, null, null, null, null]);
    const dwell = Object.fromEntries((r.body.dwell as { label: string; count: number }[]).map((x) => [x.label, x.count]));
    expect(dwell).toMatchObject({ '< 4 h': 1, '1–2 d': 1, '4–12 h': 0, '≥ 5 d': 0 });
    expect(r.body.expiry.pickedUp).toEqual([0, 1, 1, 0, 0]);
    expect(r.body.expiry.expired).toEqual([0, 0, 0, 1, 0]);
    expect(r.body.expiry.rate).toEqual([null, 0, 0, 1, null]);
    expect(r.body.failedCodes).toEqual([{ kioskId: k.id, failed: 13, pickups: 2, rate: 13 / 15 }]);
  });

  it('fleet-wide adds every kiosk up; a kiosk filter sees only its own; bad queries are 400; sign-in required', async () => {
    const k1 = await TestKiosk.enroll(s.server, { S: 1, M: 0, L: 0, XL: 0 });
    const k2 = await TestKiosk.enroll(s.server, { S: 2, M: 0, L: 0, XL: 0 });
    await parcel(k1, 'AN-F1-' + k1.id.slice(-4), 'S', today - DAY + H);
    await parcel(k2, 'AN-F2-' + k2.id.slice(-4), 'S', today - DAY + H);
    const op = await operator(s.server, 'support');
    const one = (await op.get(`/console/api/analytics?kiosk=${k1.id}&days=2`)).body;
    expect(one.utilisation.S.occupied).toEqual([1, 1]);
    expect(one.utilisation.S.share).toEqual([1, 1]);
    const fleet = (await op.get('/console/api/analytics?days=2')).body;
    expect(fleet.kioskId).toBeNull();
    expect(fleet.capacity.S).toBeGreaterThanOrEqual(3);
    expect(fleet.utilisation.S.occupied[1]).toBeGreaterThanOrEqual(2);
    expect((await op.get('/console/api/analytics?days=0')).status).toBe(400);
    expect((await op.get('/console/api/analytics?to=yesterday')).status).toBe(400);
    const anon = await fetch(s.server.url + '/console/api/analytics');
    expect(anon.status).toBe(401);
  });
});
