import { afterEach, describe, expect, it } from 'vitest';
import { RECIPIENT_PAGE_LIMITS } from '../../src-server/routes/recipient-page';
import { parcelPage, type PageParcel } from '../../src-server/routes/recipient-html';
import { formatDeadline, placeholders, type NotifyLocale } from '../../src-server/notify/i18n/index';
import { localeFromAcceptLanguage, PAGE_CATALOGS } from '../../src-server/notify/i18n/page';
import { admin, deposited, http, pickedUp, startTestServer, TestKiosk, until, type Started } from './helpers';
import { startSmsGateway } from './sinks';

/**
 * Issue 13, "More time", red team: the recipient's public page (`/r/:token`) speaks the language of the SMS that links
 * to it and states times in the locker's zone with the messages' own formatter, against a real fleet server and SMS
 * gateway on both dialects. Before, a German recipient got an English page with the deadline in UTC.
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** 2026-03-27 11:00 UTC: a deposit now expires on Monday 30 March, 13:00 summer time in Berlin. */
const T0 = Date.parse('2026-03-27T11:00:00Z');
const LOCALES = Object.keys(PAGE_CATALOGS) as NotifyLocale[];

async function setup() {
  const sms = await startSmsGateway();
  const s: Started = await startTestServer({ channels: { smsUrl: sms.url, timeoutMs: 5000 }, notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 }, publicUrlIsSelf: true, now: () => T0 });
  cleanup.push(() => sms.close(), () => s.stop());
  return { s, sms };
}

/** A kiosk enrolled with a token that names its zone (as the console's enrollment form does). */
async function kioskIn(s: Started, timeZone: string): Promise<TestKiosk> {
  const t = await admin(s.server, 'POST', '/v1/enrollment-tokens', { timeZone });
  const res = await http(s.server.url + '/v1/kiosks/enroll', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentToken: t.body.enrollmentToken, capacity: { S: 4, M: 3, L: 2, XL: 1 }, layoutName: 'test' }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return new TestKiosk(s.server.url, res.body);
}

const linkIn = (text: string) => /(http:\/\/127\.0\.0\.1:[0-9]+\/r\/r1\.p_[A-Za-z0-9]+\.[A-Za-z0-9_-]{22})/.exec(text)![1]!;
/** What a reader sees: the text outside tags (a `<time datetime>` keeps its ISO instant for machines). */
const visible = (html: string) => html.replace(/<head>[\s\S]*<\/head>/, '').replace(/<[^>]*>/g, '');
const page = (url: string, headers: Record<string, string> = {}) => http<string>(url, { headers });
const form = (url: string, fields: Record<string, string> = {}) =>
  http<string>(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en-GB,en;q=0.9' }, body: new URLSearchParams(fields).toString() });

describe('the recipient page speaks the parcel’s language, in the locker’s time', () => {
  it('a German parcel at a Berlin locker: German page, the SMS’s deadline in Berlin time; after "more time" the new deadline too; refusals and 410 in German', async () => {
    const { s, sms } = await setup();
    const k = await kioskIn(s, 'Europe/Berlin');
    const p = await s.server.createShipment({ barcode: 'DE-0001', size: 'S', kioskId: k.id, locale: 'de', recipient: { phone: '+49151000001' } });
    await until(() => sms.messages.length === 1, 8000, 'the on-its-way SMS');
    const link = linkIn(sms.messages[0]!.text);

    // The browser asks for English; the parcel's language (the SMS's) wins.
    const before = await fetch(link, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    const expected = await before.text();
    expect(expected).toContain('<html lang="de">');
    expect(expected).toContain('<title>Ihr Paket</title>');
    expect(expected).toContain('<h1>Ihr Paket ist unterwegs</h1>');
    expect(expected).toContain('<button type="submit">Ich brauche ein Fach in Reichweite</button>');
    expect(expected).not.toMatch(/Your parcel|within reach|Keep this link/);
    expect(before.headers.get('content-language')).toBe('de');

    const r = await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [deposited(p.parcelId, 'DE-0001', 'A01', 'S', T0)] }, { now: T0 });
    expect(r.status).toBe(200);
    await until(() => sms.messages.length === 2, 8000, 'the code SMS');
    // The SMS and the page state the same deadline, in the same words: 13:00 summer time in Berlin, not 11:00 UTC.
    expect(sms.messages[1]!.text).toContain('Abholen bis Mo., 30. März, 13:00 MESZ.');
    const waiting = (await page(link)).body;
    expect(waiting).toContain(`<h1>Ihr Paket wartet auf Sie</h1>`);
    expect(waiting).toContain(
      `Das Paket <strong>DE-0001</strong> wartet an der Paketstation <strong>${k.id}</strong> bis <strong><time datetime="2026-03-30T11:00:00.000Z">Mo., 30. März, 13:00 MESZ</time></strong>.`,
    );
    expect(waiting).toContain('<label for="days">Mehr Zeit (einmal möglich)</label>');
    expect(waiting).toContain('<option value="1">1 Tag</option><option value="2">2 Tage</option><option value="3">3 Tage</option>');
    expect(waiting).toContain('<button type="submit">Abholfrist verlängern</button>');
    expect(visible(waiting)).not.toMatch(/UTC|11:00|Give me more time/);

    const extended = await form(link + '/extend', { days: '2' });
    expect(extended.status).toBe(200);
    expect(extended.body).toContain('<p class="notice" role="status">Erledigt: Ihr Paket wartet jetzt bis <time datetime="2026-04-01T11:00:00.000Z">Mi., 1. Apr., 13:00 MESZ</time>.</p>');
    expect(extended.body).toContain('bis <strong><time datetime="2026-04-01T11:00:00.000Z">Mi., 1. Apr., 13:00 MESZ</time></strong>.');
    expect(extended.body).toContain('Sie haben Ihre einmalige Verlängerung für dieses Paket genutzt.');
    expect(visible(extended.body)).not.toMatch(/UTC|11:00|Done:/);

    const again = await form(link + '/extend', { days: '1' });
    expect(again.status).toBe(409);
    expect(again.body).toContain('<p class="refused" role="alert">Sie haben die Abholfrist für dieses Paket bereits einmal verlängert.</p>');
    const late = await form(link + '/reach');
    expect(late.status).toBe(409);
    expect(late.body).toContain('Ein Fach in Reichweite können Sie nur anfordern, bevor das Paket zugestellt ist.');

    await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [pickedUp(p.parcelId, 'DE-0001', 'A01', T0)] }, { now: T0 });
    const gone = await fetch(link, { headers: { 'accept-language': 'en' } });
    expect(gone.status).toBe(410);
    const goneHtml = await gone.text();
    expect(goneHtml).toContain('<html lang="de">');
    expect(goneHtml).toContain('<h1>Dieser Link funktioniert nicht mehr</h1>');
  });

  it('a Polish parcel’s 429s are Polish whatever the browser asks; a link with no parcel behind it follows Accept-Language, else English', async () => {
    const { s, sms } = await setup();
    const k = await kioskIn(s, 'Europe/Warsaw');
    await s.server.createShipment({ barcode: 'PL-0429', size: 'S', kioskId: k.id, locale: 'pl', recipient: { phone: '+48500100429' } });
    await until(() => sms.messages.length === 1, 8000, 'the on-its-way SMS');
    const link = linkIn(sms.messages[0]!.text);
    const forged = link.slice(0, -3) + (link.endsWith('AAA') ? 'BBB' : 'AAA');

    const invalid = async (acceptLanguage?: string) => {
      const r = await page(forged, acceptLanguage ? { 'accept-language': acceptLanguage } : {});
      expect(r.status).toBe(404);
      return /<html lang="([a-z]+)">[\s\S]*<h1>([^<]+)<\/h1>/.exec(r.body)!.slice(1);
    };
    expect(await invalid('de-AT;q=0.8, pl;q=0.9')).toEqual(['pl', 'Nieprawidłowy link']);
    expect(await invalid('fr-CH, fr;q=0.9, es;q=0.5')).toEqual(['es', 'Enlace no válido']);
    expect(await invalid('fr')).toEqual(['en', 'Link not valid']);
    expect(await invalid()).toEqual(['en', 'Link not valid']);

    // Per link: the posts after the limit are answered in the parcel's language.
    const posts: number[] = [];
    for (let i = 0; i < RECIPIENT_PAGE_LIMITS.postsPerToken; i++) posts.push((await form(link + '/reach')).status);
    expect(posts.every((x) => x === 200)).toBe(true);
    const tokenLimited = await form(link + '/reach');
    expect(tokenLimited.status).toBe(429);
    expect(tokenLimited.body).toContain('<html lang="pl">');
    expect(tokenLimited.body).toContain('<h1>Za dużo prób</h1><p>Odczekaj minutę i spróbuj ponownie.</p>');

    // Per address (counted before the parcel is read): the genuine link's parcel still decides the language.
    const used = 4 + RECIPIENT_PAGE_LIMITS.postsPerToken + 1;
    for (let i = used; i < RECIPIENT_PAGE_LIMITS.perAddress; i++) expect((await page(link)).status).toBe(200);
    const limited = await fetch(link, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-language')).toBe('pl');
    expect(await limited.text()).toContain('<h1>Za dużo prób</h1>');
    const limitedForged = await page(forged, { 'accept-language': 'de' });
    expect(limitedForged.status).toBe(429);
    expect(limitedForged.body).toContain('<h1>Zu viele Anfragen</h1>');
  });
});

describe('the recipient page catalogs', () => {
  it('every language has every text, with English’s placeholders, translated', () => {
    const en = PAGE_CATALOGS.en as Record<string, string>;
    for (const l of LOCALES) {
      const c = PAGE_CATALOGS[l] as Record<string, string>;
      expect(Object.keys(c).sort(), l).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en)) {
        expect(placeholders(c[key]!).sort(), `${l} ${key}`).toEqual(placeholders(en[key]!).sort());
        if (l !== 'en') expect(c[key], `${l} ${key} is still English`).not.toBe(en[key]);
      }
    }
  });

  it('every state of the page is in its parcel’s language, its deadline as the messages write it in the locker’s zone', () => {
    const at = Date.parse('2026-03-30T11:00:00Z');
    const base: PageParcel = { status: 'deposited', barcode: 'PKG-1', kiosk_id: 'K-abcdef12', accessible: 0, expires_at: at, recipient_extended_at: null, locale: 'en' };
    for (const locale of LOCALES) {
      const t = PAGE_CATALOGS[locale];
      const render = (o: Partial<PageParcel>, extra: Partial<Parameters<typeof parcelPage>[0]> = {}) =>
        parcelPage({ parcel: { ...base, ...o, locale }, base: '/r/t', extendMaxDays: 3, timeZone: 'Europe/Madrid', ...extra });
      const waiting = render({}, { done: 'extended' });
      expect(waiting).toContain(`<html lang="${locale}">`);
      expect(waiting).toContain(`<h1>${t['waiting.heading']}</h1>`);
      expect(waiting.match(new RegExp(`>${formatDeadline(at, locale, 'Europe/Madrid')}</time>`, 'g'))).toHaveLength(2); // the page and the notice
      expect(render({ status: 'expected', expires_at: null }, { done: 'reach' })).toContain(t['reach.done']);
      expect(render({ status: 'expected', expires_at: null, accessible: 1 })).toContain(t['expected.heading']);
      expect(render({ status: 'expired' }, { refused: 'NOT_WAITING' })).toContain(t['refused.NOT_WAITING']);
      expect(render({ recipient_extended_at: at }, { refused: 'LOCKER_FULL' })).toContain(t['extend.used']);
    }
  });

  it('Accept-Language: by quality, the first language spoken here, else English; never throws on junk', () => {
    expect(localeFromAcceptLanguage('de-AT,en;q=0.5')).toBe('de');
    expect(localeFromAcceptLanguage('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5')).toBe('en');
    expect(localeFromAcceptLanguage('pl;q=0, es;q=0.1')).toBe('es');
    expect(localeFromAcceptLanguage('ES')).toBe('es');
    for (const junk of ['', ';;;q=abc', 'x'.repeat(5000), '__proto__', 'constructor']) expect(localeFromAcceptLanguage(junk)).toBe('en');
    expect(localeFromAcceptLanguage(undefined)).toBe('en');
  });
});
