import { SegmentedMessage } from 'sms-segments-calculator';
import { describe, expect, it } from 'vitest';
import { renderMessage, sealablePickupSecrets, type NotificationKind } from '../../src-server/notify/messages';
import { CATALOGS, formatDeadline, placeholders, type NotifyLocale } from '../../src-server/notify/i18n/index';
import { foldToGsm7 } from '../../src-server/notify/sms-text';
import type { ParcelRow } from '../../src-server/services/shipments';

/**
 * The recipients' catalogs and renderers without a server (issue 12, "Notifications people can read"): every locale
 * has every key with English's placeholders, deadlines are local time at the kiosk, and the code SMS is one GSM-7
 * segment in every language even with the longest kiosk id and barcode the protocol allows.
 */
const LOCALES = Object.keys(CATALOGS) as NotifyLocale[];
const KINDS: NotificationKind[] = ['code', 'reminder', 'expired'];
/** The longest the protocol allows: KioskId is K- and 8–32 characters, Barcode 4–40. */
const LONG_KIOSK = 'K-' + 'W'.repeat(32);
const LONG_BARCODE = 'B'.repeat(20) + '-' + '9'.repeat(19);
const SECRETS = sealablePickupSecrets({ code: '042917', qrToken: 'AbCdEfGhIjKlMnOpQrStUv', checkCode: '5830' });

function parcel(o: Partial<ParcelRow> = {}): ParcelRow {
  return {
    id: 'p_0123456789abcdef',
    barcode: 'PKG-12345',
    kiosk_id: 'K-abcdef123456',
    size: 'S',
    accessible: 0,
    recipient_name: 'Ada',
    recipient_email: 'ada@example.com',
    recipient_phone: '+48500100200',
    status: 'deposited',
    code_digest: '0'.repeat(64),
    code_sealed: null,
    pickup_window_days: 3,
    compartment_id: 'A01',
    created_at: 0,
    deposited_at: Date.parse('2026-03-27T11:00:00Z'),
    expires_at: Date.parse('2026-03-30T11:00:00Z'),
    picked_up_at: null,
    expired_at: null,
    collected_at: null,
    cancelled_at: null,
    kept_by_driver_at: null,
    conflict: null,
    cancel_reason: null,
    carrier: null,
    reminder_queued_at: null,
    updated_at: 0,
    locale: 'en',
    ...o,
  } as ParcelRow;
}

const gsm = (text: string) => {
  const m = new SegmentedMessage(text, 'auto');
  return { encoding: m.getEncodingName(), segments: m.segmentsCount, nonGsm: m.getNonGsmCharacters() };
};

describe('recipient message catalogs', () => {
  it('every locale has every key, non-empty, with the same placeholders as English', () => {
    const keys = Object.keys(CATALOGS.en).sort();
    for (const l of LOCALES) {
      const c = CATALOGS[l] as unknown as Record<string, string>;
      expect(Object.keys(c).sort(), l).toEqual(keys);
      for (const k of keys) {
        expect(c[k]!.trim().length, `${l} ${k}`).toBeGreaterThan(0);
        expect(placeholders(c[k]!).sort(), `${l} ${k}`).toEqual(placeholders((CATALOGS.en as unknown as Record<string, string>)[k]!).sort());
      }
    }
  });

  it('deadlines are local time at the kiosk, with the zone, in the recipient’s language', () => {
    const at = Date.parse('2026-03-30T11:00:00Z'); // the day after Europe's switch to summer time
    expect(formatDeadline(at, 'pl', 'Europe/Warsaw')).toBe('pon., 30 mar, 13:00 CEST');
    expect(formatDeadline(at, 'de', 'Europe/Berlin')).toBe('Mo., 30. März, 13:00 MESZ');
    expect(formatDeadline(at, 'es', 'Europe/Madrid')).toBe('lun, 30 mar, 13:00 CEST');
    expect(formatDeadline(at, 'en', 'UTC')).toBe('Mon 30 Mar, 11:00 UTC');
    expect(formatDeadline(Date.parse('2026-01-15T11:00:00Z'), 'pl', 'Europe/Warsaw')).toBe('czw., 15 sty, 12:00 CET');
    expect(formatDeadline(at, 'en', 'America/New_York')).toBe('Mon 30 Mar, 07:00 GMT-4');
  });

  it('every kind renders in every locale, for e-mail and SMS, with nothing left unfilled', () => {
    for (const locale of LOCALES) {
      for (const kind of KINDS) {
        for (const medium of ['email', 'sms'] as const) {
          for (const reissued of [false, true]) {
            const m = renderMessage(kind, parcel({ locale }), kind === 'code' ? SECRETS : undefined, { locale, timeZone: 'Europe/Warsaw', medium, reissued });
            const all = `${m.subject}\n${m.text}\n${m.html ?? ''}`;
            expect(all, `${locale} ${kind} ${medium}`).not.toMatch(/\{[a-z]+\}/);
            expect(m.text).toContain('PKG-12345');
            if (medium === 'email') expect(m.html).toContain(`lang="${locale}"`);
          }
        }
      }
    }
  });

  it('the code SMS is one GSM-7 segment in every locale, even with the longest kiosk id and barcode, and keeps code, check code, locker and deadline', () => {
    // Zones with the longest short names ICU gives (GMT-2:30, GMT+5:45), in the season that has them.
    for (const timeZone of ['Europe/Warsaw', 'America/St_Johns', 'Asia/Kathmandu', 'UTC']) {
      for (const locale of LOCALES) {
        for (const reissued of [false, true]) {
          for (const [kioskId, barcode] of [
            [LONG_KIOSK, LONG_BARCODE],
            ['K-abcdef123456', 'PKG-12345'],
          ] as const) {
            const p = parcel({ locale, kiosk_id: kioskId, barcode });
            const { text } = renderMessage('code', p, SECRETS, { locale, timeZone, medium: 'sms', reissued });
            const shape = gsm(text);
            expect(shape, `${locale} ${timeZone} ${text}`).toMatchObject({ encoding: 'GSM-7', segments: 1, nonGsm: [] });
            expect(text.length).toBeLessThanOrEqual(160);
            for (const part of ['042917', '5830', kioskId]) expect(text, `${locale}: ${text}`).toContain(part);
            expect(text).toContain(foldToGsm7(formatDeadline(p.expires_at!, locale, timeZone)));
            expect(text.includes(barcode), `${locale}: the barcode only when it fits: ${text}`).toBe(barcode === 'PKG-12345');
          }
        }
      }
    }
  });

  it('reminders and notices by SMS fit one GSM-7 segment in every locale with the longest ids', () => {
    for (const locale of LOCALES) {
      for (const kind of ['reminder', 'expired'] as const) {
        const p = parcel({ locale, kiosk_id: LONG_KIOSK, barcode: LONG_BARCODE });
        const { text } = renderMessage(kind, p, undefined, { locale, timeZone: 'America/St_Johns', medium: 'sms' });
        expect(gsm(text), `${locale} ${kind}: ${text}`).toMatchObject({ encoding: 'GSM-7', segments: 1 });
        expect(text).toContain(LONG_KIOSK);
      }
    }
  });

  it('Polish and Spanish SMS lose only their diacritics (GSM-7 has no ą or ó), German keeps its umlauts', () => {
    const sms = (locale: NotifyLocale) => renderMessage('code', parcel({ locale }), SECRETS, { locale, timeZone: 'Europe/Warsaw', medium: 'sms' }).text;
    expect(sms('pl')).toBe('Twoj kod odbioru paczki PKG-12345 w automacie K-abcdef123456: 042917. Odbierz do pon., 30 mar, 13:00 CEST. Kod kontrolny: 5830.');
    expect(sms('es')).toContain('Codigo de control: 5830.');
    expect(sms('de')).toContain('Ihr Abholcode für Paket PKG-12345');
  });

  it('the e-mail escapes what the shipment said (a name with markup) and carries the QR payload for the SMTP channel', () => {
    const m = renderMessage('code', parcel({ recipient_name: '<img src=x onerror=alert(1)>' }), SECRETS, { locale: 'en', timeZone: 'UTC', medium: 'email' });
    expect(m.html).not.toContain('<img src=x');
    expect(m.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(m.qr).toBe('LK2:AbCdEfGhIjKlMnOpQrStUv');
    expect(m.html).toContain('src="cid:pickup-qr@locker.invalid"');
    // The plain-text part keeps the sentence tools and older tests read.
    expect(m.text).toBe(
      'Your code for parcel PKG-12345 at locker K-abcdef123456 is 042917. Pick it up by Mon 30 Mar, 11:00 UTC. Check code: 5830 (the kiosk may ask for it). Or show this QR at the kiosk: LK2:AbCdEfGhIjKlMnOpQrStUv',
    );
  });
});
