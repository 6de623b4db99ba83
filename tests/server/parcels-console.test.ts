import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDigest, codeDigest, qrDigest } from '../../src-common/code-digest';
import { ManifestResponse } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { deposited, startTestServer, TestKiosk, until, type Started } from './helpers';
import { startSmtpSink } from './sinks';

/**
 * Parcels in the console (issue 12, ADR code-reissue) over real HTTP against a real fleet server, on SQLite and on
 * PostgreSQL: search, timeline, resend = a re-issued code (the manifest replaces the digests; the new code arrives by
 * e-mail and matches them; the old one no longer does), extend, cancel, and the role table's limits.
 */
let s: Started;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let k: TestKiosk;
beforeAll(async () => {
  smtp = await startSmtpSink();
  s = await startTestServer({ channels: { smtpUrl: smtp.url, timeoutMs: 2000 }, notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 } });
  k = await TestKiosk.enroll(s.server);
});
afterAll(async () => {
  await s.stop();
  await smtp.close();
});

const CODE_IN_TEXT = /code for parcel (\S+) at locker \S+ is ([0-9]{6})/;
const codesFor = (barcode: string) =>
  smtp.mails.map((m) => CODE_IN_TEXT.exec(m.raw.replace(/=\r?\n/g, ''))).filter((m) => m?.[1] === barcode).map((m) => m![2]!);

async function manifestAll(): Promise<ManifestResponse> {
  return ManifestResponse.parse((await k.manifest('0', 500)).body);
}

describe('console parcels', () => {
  it('finds a parcel by barcode, normalized phone, e-mail in any case and kiosk; nothing by a partial value', async () => {
    const op = await operator(s.server, 'support');
    const p = await s.server.createShipment({ barcode: 'FIND-0001', size: 'S', kioskId: k.id, recipient: { email: 'Ada.L@Example.com', phone: '+48600100200' } });
    for (const q of ['FIND-0001', '+48 600-100 200', '0048600100200', 'ada.l@example.COM', k.id]) {
      const r = await op.get(`/console/api/parcels?q=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(200);
      expect(r.body.parcels.map((x: { parcelId: string }) => x.parcelId), q).toContain(p.parcelId);
    }
    for (const q of ['FIND-000', 'ada.l@example', '+4860010020']) {
      const r = await op.get(`/console/api/parcels?q=${encodeURIComponent(q)}`);
      expect(r.body.parcels, q).toEqual([]);
    }
  });

  it('resend re-issues the code of a deposited parcel: new digests in the manifest, the new code by e-mail, the old one dead', async () => {
    const op = await operator(s.server, 'support');
    const p = await s.server.createShipment({ barcode: 'RESEND-0001', size: 'S', kioskId: k.id, recipient: { email: 'bob@example.com' } });
    await k.events([deposited(p.parcelId, p.barcode, 'A02')]);
    await until(() => codesFor('RESEND-0001').length === 1, 5000, 'the first code e-mail');
    expect(codesFor('RESEND-0001')[0]).toBe(p.code);

    const r = await op.send('POST', `/console/api/parcels/${p.parcelId}/resend`);
    expect(r.status).toBe(200);
    await until(() => codesFor('RESEND-0001').length === 2, 5000, 'the re-issued code e-mail');
    const fresh = codesFor('RESEND-0001')[1]!;
    expect(fresh).not.toBe(p.code);
    expect(JSON.stringify(r.body)).not.toContain(fresh); // the console never sees a code

    const m = await manifestAll();
    const re = m.reissues!.filter((e) => e.parcelId === p.parcelId);
    expect(re).toHaveLength(1);
    expect(re[0]!.codeDigest).toBe(codeDigest(k.secret, fresh));
    expect(re[0]!.codeDigest).not.toBe(codeDigest(k.secret, p.code));
    // The message carries the new QR token and check code; the manifest's digests are theirs.
    const raw = smtp.mails.map((x) => x.raw.replace(/=\r?\n/g, '')).find((t) => t.includes(`is ${fresh}`))!;
    const qr = /LK2:([A-Za-z0-9_-]{22})/.exec(raw)![1]!;
    const check = /Check code: ([0-9]{4})/.exec(raw)![1]!;
    expect(re[0]!.qrDigest).toBe(qrDigest(k.secret, qr));
    expect(re[0]!.checkDigest).toBe(checkDigest(k.secret, fresh, check));

    const d = await op.get(`/console/api/parcels/${p.parcelId}`);
    const whats = d.body.timeline.map((e: { what: string }) => e.what);
    expect(whats).toEqual(expect.arrayContaining(['created', 'deposited', 'code-sent', 'code-reissued', 'operator']));
    expect(whats.indexOf('created')).toBe(0);
    expect(whats.filter((w: string) => w === 'code-sent')).toHaveLength(2);
  });

  it('resend of an expected parcel replaces the sealed code: the deposit sends the NEW code only', async () => {
    const op = await operator(s.server, 'operator');
    const p = await s.server.createShipment({ barcode: 'RESEND-0002', size: 'S', kioskId: k.id, recipient: { email: 'cy@example.com' } });
    expect((await op.send('POST', `/console/api/parcels/${p.parcelId}/resend`)).status).toBe(200);
    const re = (await manifestAll()).reissues!.find((e) => e.parcelId === p.parcelId)!;
    await k.events([deposited(p.parcelId, p.barcode, 'A03')]);
    await until(() => codesFor('RESEND-0002').length === 1, 5000, 'the code e-mail');
    const sent = codesFor('RESEND-0002')[0]!;
    expect(sent).not.toBe(p.code);
    expect(codeDigest(k.secret, sent)).toBe(re.codeDigest);
  });

  it('a picked-up parcel gets no new code; extend and cancel follow the role table; support cannot cancel', async () => {
    const support = await operator(s.server, 'support');
    const op = await operator(s.server, 'operator');
    const p = await s.server.createShipment({ barcode: 'ACT-0001', size: 'S', kioskId: k.id, recipient: { email: 'di@example.com' } });
    const before = (await op.get(`/console/api/parcels/${p.parcelId}`)).body.pickupWindowDays as number;
    expect((await support.send('POST', `/console/api/parcels/${p.parcelId}/extend`, { days: 2 })).status).toBe(200);
    expect((await op.get(`/console/api/parcels/${p.parcelId}`)).body.pickupWindowDays).toBe(before + 2);
    expect((await support.send('POST', `/console/api/parcels/${p.parcelId}/cancel`)).status).toBe(403);
    expect((await op.send('POST', `/console/api/parcels/${p.parcelId}/cancel`, undefined, { csrf: false })).status).toBe(403);
    const c = await op.send('POST', `/console/api/parcels/${p.parcelId}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body.parcel.status).toBe('cancelled');
    const again = await op.send('POST', `/console/api/parcels/${p.parcelId}/resend`);
    expect(again.status).toBe(409);
    expect((await manifestAll()).reissues!.filter((e) => e.parcelId === p.parcelId)).toHaveLength(0);
  });
});
