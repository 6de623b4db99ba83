import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBadge } from '../../src-common/badge-verify';
import { codeDigest } from '../../src-common/code-digest';
import { seedDemo } from '../../src-server/embedded';
import { ManifestResponse } from '../../src-shared/sync-protocol';
import { deposited, startTestServer, TestKiosk, type Started } from './helpers';

let s: Started;
const lines: string[] = [];
beforeAll(async () => {
  s = await startTestServer({ channels: { console: (l) => lines.push(l) } });
});
afterAll(() => s.stop());

describe('embedded server and demo seed', () => {
  it('seeds five shipments and two badges a kiosk can use, and prints the code on deposit', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 4, M: 3, L: 2, XL: 1 });
    const seed = await seedDemo(s.server, k.id);
    expect(await Promise.all(seed.shipments.map(async (x) => (await s.server.parcel(x.barcode))?.size))).toEqual(['S', 'S', 'M', 'L', 'XL']);
    expect(verifyBadge(seed.driverBadge.token, k.creds.badgePublicKey, Date.now())).toMatchObject({ ok: true, claims: { role: 'driver' } });
    expect(verifyBadge(seed.technicianBadge.token, k.creds.badgePublicKey, Date.now())).toMatchObject({ ok: true, claims: { role: 'technician' } });
    const m = ManifestResponse.parse((await k.manifest()).body);
    expect(m.expected.map((e) => e.codeDigest)).toEqual(seed.shipments.map((x) => codeDigest(k.secret, x.code)));
    const first = seed.shipments[0]!;
    await k.events([deposited(first.parcelId, first.barcode)]);
    await s.server.drainNotifications();
    expect(lines).toEqual([`[sms to +48500100201] Your code for parcel ${first.barcode} at locker ${k.id} is ${first.code}. Pick it up by ${lines[0]!.split('Pick it up by ')[1]}`]);
  });

  it('skips demo shipments a small kiosk cannot take', async () => {
    const k = await TestKiosk.enroll(s.server, { S: 1, M: 0, L: 0, XL: 0 });
    expect((await seedDemo(s.server, k.id)).shipments).toHaveLength(1);
  });

  it('no longer serves a public fleet page: / sends the browser to the console, whose data needs sign-in (issue 12)', async () => {
    const r = await fetch(s.server.url + '/', { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/console/');
    const api = await fetch(s.server.url + '/console/api/kiosks');
    expect(api.status).toBe(401);
  });
});
