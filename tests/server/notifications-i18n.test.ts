import jsQR from 'jsqr';
import { simpleParser, type ParsedMail } from 'mailparser';
import { PNG } from 'pngjs';
import { SegmentedMessage } from 'sms-segments-calculator';
import { afterEach, describe, expect, it } from 'vitest';
import { QR_CID } from '../../src-server/notify/email-html';
import { admin, deposited, startTestServer, TestKiosk, until, http, type Started } from './helpers';
import { operator } from './console-helpers';
import { startSmsGateway, startSmtpSink } from './sinks';

/**
 * Issue 12, "Notifications people can read", against a real fleet server, the real SMTP sink and SMS gateway: the
 * recipient's language, the deadline in the kiosk's zone (set at enrollment), the pickup QR as an inline image that
 * decodes back to `LK2:<token>`, and an SMS of one GSM-7 segment. Both dialects (the `postgres` project runs it again).
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** 2026-03-27 11:00 UTC: deposits now expire on Monday 30 March, the day after Europe switched to summer time. */
const T0 = Date.parse('2026-03-27T11:00:00Z');

async function setup() {
  const smtp = await startSmtpSink();
  const sms = await startSmsGateway();
  const clock = { now: T0 };
  const s: Started = await startTestServer({
    channels: { smtpUrl: smtp.url, smsUrl: sms.url, timeoutMs: 5000 },
    notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 },
    now: () => clock.now,
  });
  cleanup.push(() => smtp.close(), () => sms.close(), () => s.stop());
  return { s, smtp, sms, clock };
}

/** A kiosk enrolled with a token made over the carrier/admin API (the console makes the same call). */
async function enrollWith(s: Started, tokenBody: Record<string, unknown>, enrollExtra: Record<string, unknown> = {}): Promise<TestKiosk> {
  const t = await admin(s.server, 'POST', '/v1/enrollment-tokens', tokenBody);
  expect(t.status, JSON.stringify(t.body)).toBe(201);
  const res = await http(s.server.url + '/v1/kiosks/enroll', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentToken: t.body.enrollmentToken, capacity: { S: 4, M: 3, L: 2, XL: 1 }, layoutName: 'test', ...enrollExtra }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return new TestKiosk(s.server.url, res.body);
}

const zoneOf = async (s: Started, kioskId: string) => (await s.server.query<{ time_zone: string }>('SELECT time_zone FROM kiosks WHERE id = ?', [kioskId]))[0]!.time_zone;

async function deposit(k: TestKiosk, clock: { now: number }, parcelId: string, barcode: string, door = 'A01') {
  const r = await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [deposited(parcelId, barcode, door, 'S', clock.now)] }, { now: clock.now });
  expect(r.status).toBe(200);
}

/** The PNG attached under `cid`, decoded to its QR payload (jsQR over pngjs' RGBA pixels). */
function qrPayload(mail: ParsedMail): string | null {
  const img = mail.attachments.find((a) => a.cid === QR_CID);
  if (!img) return null;
  expect(img.contentType).toBe('image/png');
  const png = PNG.sync.read(img.content);
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

const oneGsm7Segment = (text: string) => {
  const m = new SegmentedMessage(text, 'auto');
  return { encoding: m.getEncodingName(), segments: m.segmentsCount };
};

describe('notifications people can read', () => {
  it('a Polish recipient at a kiosk in Europe/Warsaw: Polish e-mail (text + HTML + a QR that decodes to LK2:…) and a one-segment SMS, deadline in Warsaw time', async () => {
    const { s, smtp, sms, clock } = await setup();
    const k = await enrollWith(s, { ttlHours: 2, timeZone: 'Europe/Warsaw' });
    expect(await zoneOf(s, k.id)).toBe('Europe/Warsaw');
    const p = await s.server.createShipment({
      barcode: 'PL-0001',
      size: 'S',
      kioskId: k.id,
      locale: 'pl',
      recipient: { name: 'Agnieszka', email: 'agnieszka@example.pl', phone: '+48500100299' },
    });
    await deposit(k, clock, p.parcelId, p.barcode);
    await until(() => smtp.mails.length === 1 && sms.messages.length === 1, 10_000, 'the e-mail and the SMS');

    const mail = await simpleParser(smtp.mails[0]!.raw, { keepCidLinks: true });
    expect(mail.subject).toBe(`Twoja paczka PL-0001 czeka w automacie ${k.id}`);
    // 2026-03-30 11:00 UTC is 13:00 summer time in Warsaw (before issue 12 it said "2026-03-30 11:00 UTC").
    expect(mail.text).toContain(`Twój kod odbioru paczki PL-0001 w automacie ${k.id} to ${p.code}. Odbierz ją do pon., 30 mar, 13:00 CEST.`);
    expect(mail.text).toContain(`Kod kontrolny: ${p.checkCode}`);
    expect(mail.text).not.toContain('UTC');
    const html = String(mail.html);
    expect(html).toContain('lang="pl"');
    expect(html).toContain('Dzień dobry, Agnieszka!');
    expect(html).toContain(`<strong>pon., 30 mar, 13:00 CEST</strong>`);
    expect(html).toContain(`src="cid:${QR_CID}"`);
    expect(qrPayload(mail)).toBe(`LK2:${p.qrToken}`);

    const text = sms.messages[0]!.text;
    expect(sms.messages[0]!.to).toBe('+48500100299');
    expect(text).toBe(`Twoj kod odbioru paczki PL-0001 w automacie ${k.id}: ${p.code}. Odbierz do pon., 30 mar, 13:00 CEST. Kod kontrolny: ${p.checkCode}.`);
    expect(oneGsm7Segment(text)).toEqual({ encoding: 'GSM-7', segments: 1 });

    // Sealed until sent, then wiped: no row keeps the QR token or the message (the code is sealed at rest, ADR 0003).
    await until(async () => (await s.server.parcel('PL-0001'))!.notifications.every((n) => n.status === 'sent'), 5000, 'both sent');
    const rows = await s.server.query<Record<string, unknown>>('SELECT * FROM notifications WHERE parcel_id = ?', [p.parcelId]);
    expect(rows.map((r) => r.body_sealed)).toEqual([null, null]);
    const parcelRows = await s.server.query<Record<string, unknown>>('SELECT * FROM parcels WHERE id = ?', [p.parcelId]);
    expect(JSON.stringify([rows, parcelRows])).not.toContain(p.qrToken);
  });

  it('a kiosk enrolled without a zone is UTC, as its messages said before; English stays English', async () => {
    const { s, smtp, clock } = await setup();
    const k = await TestKiosk.enroll(s.server);
    expect(await zoneOf(s, k.id)).toBe('UTC');
    const p = await s.server.createShipment({ barcode: 'EN-0001', size: 'S', kioskId: k.id, recipient: { email: 'ada@example.com' } });
    await deposit(k, clock, p.parcelId, p.barcode);
    await until(() => smtp.mails.length === 1, 10_000, 'the e-mail');
    const mail = await simpleParser(smtp.mails[0]!.raw);
    expect(mail.text).toContain(`Your code for parcel EN-0001 at locker ${k.id} is ${p.code}. Pick it up by Mon 30 Mar, 11:00 UTC.`);
    expect(qrPayload(mail)).toBe(`LK2:${p.qrToken}`);
  });

  it('the token’s zone wins over the kiosk’s own; the kiosk’s is used when the token names none; the operator sees it on the kiosk page', async () => {
    const { s } = await setup();
    const both = await enrollWith(s, { timeZone: 'europe/madrid' }, { timeZone: 'Asia/Tokyo' });
    expect(await zoneOf(s, both.id)).toBe('Europe/Madrid'); // Intl's spelling
    const own = await enrollWith(s, {}, { timeZone: 'America/New_York' });
    expect(await zoneOf(s, own.id)).toBe('America/New_York');
    const op = await operator(s.server, 'support');
    const page = await op.get(`/console/api/kiosks/${both.id}`);
    expect(page.status).toBe(200);
    expect(page.body.timeZone).toBe('Europe/Madrid');
    // The console's own enrollment form sends the zone too (audited with it).
    const admin1 = await operator(s.server, 'admin');
    const t = await admin1.send('POST', '/console/api/enrollment-tokens', { ttlHours: 4, timeZone: 'Europe/Berlin' });
    expect(t.status).toBe(201);
  });

  it('a bad locale or time zone is a 400 naming the field, and changes nothing', async () => {
    const { s } = await setup();
    const k = await TestKiosk.enroll(s.server);
    const bad = await admin(s.server, 'POST', '/v1/shipments', { barcode: 'BAD-0001', size: 'S', kioskId: k.id, locale: 'fr', recipient: { email: 'x@example.com' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_INPUT');
    expect(bad.body.error.message).toContain('locale');
    expect((await admin(s.server, 'GET', '/v1/parcels/BAD-0001')).status).toBe(404);

    const tokensBefore = (await s.server.query<{ n: number }>('SELECT COUNT(*) AS n FROM enrollment_tokens'))[0]!.n;
    for (const timeZone of ['Europe/Nowhere', '+01:00', 'UTC; DROP TABLE kiosks', '']) {
      const r = await admin(s.server, 'POST', '/v1/enrollment-tokens', { timeZone });
      expect(r.status, timeZone).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('timeZone') });
    }
    expect(Number((await s.server.query<{ n: number }>('SELECT COUNT(*) AS n FROM enrollment_tokens'))[0]!.n)).toBe(Number(tokensBefore));
    const enroll = await http(s.server.url + '/v1/kiosks/enroll', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollmentToken: await s.server.createEnrollmentToken(), capacity: { S: 1, M: 0, L: 0, XL: 0 }, timeZone: 'Mars/Olympus' }),
    });
    expect(enroll.status).toBe(400);
    expect(enroll.body.error.message).toContain('timeZone');
  });

  it('a re-issued code (console resend) says it is new, in Spanish, in the kiosk’s zone; the reminder and the notice in German', async () => {
    const { s, smtp, sms, clock } = await setup();
    const madrid = await enrollWith(s, { timeZone: 'Europe/Madrid' });
    const p = await s.server.createShipment({ barcode: 'ES-0001', size: 'S', kioskId: madrid.id, locale: 'es', recipient: { email: 'lucia@example.es', phone: '+34600100200' } });
    await deposit(madrid, clock, p.parcelId, p.barcode);
    await until(() => smtp.mails.length === 1 && sms.messages.length === 1, 10_000, 'the first code');
    const op = await operator(s.server, 'support');
    expect((await op.send('POST', `/console/api/parcels/${p.parcelId}/resend`)).status).toBe(200);
    await until(() => smtp.mails.length === 2 && sms.messages.length === 2, 10_000, 'the new code');
    const mail = await simpleParser(smtp.mails[1]!.raw);
    expect(mail.subject).toBe(`Nuevo código para el paquete ES-0001 en la taquilla ${madrid.id}`);
    expect(mail.text).toMatch(/Su nuevo código de recogida del paquete ES-0001 en la taquilla \S+ es (\d{6})\. El código anterior ya no sirve\. Plazo de recogida: lun, 30 mar, 13:00 CEST\./);
    const qr = qrPayload(mail);
    expect(qr).toMatch(/^LK2:[A-Za-z0-9_-]{22}$/);
    expect(qr).not.toBe(`LK2:${p.qrToken}`);
    expect(sms.messages[1]!.text).toMatch(/^Su nuevo codigo para el paquete ES-0001 en la taquilla \S+ es \d{6}\. Plazo: lun, 30 mar, 13:00 CEST\. Codigo de control: \d{4}\.$/);

    const berlin = await enrollWith(s, { timeZone: 'Europe/Berlin' });
    const d = await s.server.createShipment({ barcode: 'DE-0001', size: 'S', kioskId: berlin.id, locale: 'de', recipient: { email: 'jonas@example.de', phone: '+49151100200' } });
    await deposit(berlin, clock, d.parcelId, d.barcode);
    await until(() => smtp.mails.length === 3 && sms.messages.length === 3, 10_000, 'the German code');
    clock.now += 2 * 86400_000 + 3600_000; // a day before expiry: both parcels get their reminder
    await s.server.sweep();
    await until(() => smtp.mails.length === 5 && sms.messages.length === 5, 10_000, 'the reminders');
    const toJonas = () => smtp.mails.filter((m) => m.to.includes('jonas@example.de'));
    const textsToJonas = () => sms.messages.filter((m) => m.to === '+49151100200').map((m) => m.text);
    expect((await simpleParser(toJonas()[1]!.raw)).text).toBe(
      `Erinnerung: Ihr Paket DE-0001 wartet bis Mo., 30. März, 13:00 MESZ an der Paketstation ${berlin.id}. Verwenden Sie den Code, den wir Ihnen bei der Ankunft geschickt haben.`,
    );
    expect(textsToJonas()[1]).toBe(`Erinnerung: Paket DE-0001 wartet bis Mo., 30. März, 13:00 MESZ an Station ${berlin.id}.`);
    clock.now += 86400_000;
    const expired = await berlin.send(
      'POST',
      `/v1/kiosks/${berlin.id}/events`,
      { events: [{ id: crypto.randomUUID(), type: 'parcel.expired', occurredAt: new Date(clock.now).toISOString(), payload: { parcelId: d.parcelId, barcode: d.barcode, compartmentId: 'A01' } }] },
      { now: clock.now },
    );
    expect(expired.status).toBe(200);
    await until(() => toJonas().length === 3 && textsToJonas().length === 3, 10_000, 'the notice');
    expect((await simpleParser(toJonas()[2]!.raw)).subject).toBe('Paket DE-0001 wurde nicht abgeholt');
    expect(oneGsm7Segment(textsToJonas()[2]!)).toEqual({ encoding: 'GSM-7', segments: 1 });
    expect(textsToJonas()[2]).toContain('geht an den Absender zurück');
  });
});
