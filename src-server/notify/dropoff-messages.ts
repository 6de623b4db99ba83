import type { ParcelRow } from '../services/shipments';
import { bold, emailHtml, escapeHtml, strong } from './email-html';
import { fill, formatDeadline } from './i18n/index';
import type { NotifyLocale } from './i18n/types';
import { oneSegment } from './sms-text';
import type { Message, PickupSecrets } from './messages';

/**
 * The sender's messages for a drop-off (ADR drop-offs), in the four kiosk languages: the drop-off code when it is booked
 * (code, check code, QR, the deadline in the kiosk's zone) and the receipt once the parcel is in (door, time, receipt
 * reference). Kept apart from the recipients' catalogs (i18n/*.ts) because the sender is told different things; the
 * wording follows the kiosk's button "Send or return a parcel" (src-renderer/i18n). Same renderers: e-mail with an HTML
 * part and the QR image, or one GSM-7 segment of SMS where it fits.
 */
interface DropoffTexts {
  intro: string;
  codeSubject: string;
  codeBody: string;
  deadline: string;
  check: string;
  qrText: string;
  qrHtml: string;
  qrAlt: string;
  smsCode: string;
  smsCodeShort: string;
  receiptSubject: string;
  receiptBody: string;
  smsReceipt: string;
  smsReceiptShort: string;
  footer: string;
}

const TEXTS: Record<NotifyLocale, DropoffTexts> = {
  en: {
    intro: 'Hello {name},',
    codeSubject: 'Your drop-off code for locker {kiosk}',
    codeBody: 'Your code to drop off parcel {barcode} at locker {kiosk} is {code}. On the screen, choose “Send or return a parcel”.',
    deadline: 'Please bring it by {deadline}.',
    check: 'Check code: {check} (the locker may ask for it).',
    qrText: 'Or show this QR at the locker: {qr}',
    qrHtml: 'Or hold this QR code up to the locker’s scanner:',
    qrAlt: 'QR code for your drop-off',
    smsCode: 'Drop-off code {code} for parcel {barcode} at locker {kiosk}. Bring it by {deadline}.',
    smsCodeShort: 'Drop-off code {code} at locker {kiosk}, by {deadline}.',
    receiptSubject: 'Receipt: parcel {barcode} dropped off at locker {kiosk}',
    receiptBody: 'Thank you. Parcel {barcode} is in door {door} of locker {kiosk} since {at}. Your receipt: {receipt}.',
    smsReceipt: 'Parcel {barcode} dropped off at locker {kiosk}, door {door}, {at}. Receipt {receipt}.',
    smsReceiptShort: 'Parcel dropped off at locker {kiosk}. Receipt {receipt}.',
    footer: 'This message was sent automatically. Please do not reply.',
  },
  es: {
    intro: 'Hola, {name}:',
    codeSubject: 'Tu código de entrega para el casillero {kiosk}',
    codeBody: 'Tu código para dejar el paquete {barcode} en el casillero {kiosk} es {code}. En la pantalla, elige «Enviar o devolver un paquete».',
    deadline: 'Tráelo antes del {deadline}.',
    check: 'Código de control: {check} (el casillero puede pedirlo).',
    qrText: 'O muestra este QR en el casillero: {qr}',
    qrHtml: 'O acerca este código QR al lector del casillero:',
    qrAlt: 'Código QR de tu entrega',
    smsCode: 'Codigo de entrega {code} para el paquete {barcode} en el casillero {kiosk}. Traelo antes del {deadline}.',
    smsCodeShort: 'Codigo de entrega {code}, casillero {kiosk}, antes del {deadline}.',
    receiptSubject: 'Recibo: paquete {barcode} entregado en el casillero {kiosk}',
    receiptBody: 'Gracias. El paquete {barcode} está en la puerta {door} del casillero {kiosk} desde el {at}. Tu recibo: {receipt}.',
    smsReceipt: 'Paquete {barcode} entregado en el casillero {kiosk}, puerta {door}, {at}. Recibo {receipt}.',
    smsReceiptShort: 'Paquete entregado en el casillero {kiosk}. Recibo {receipt}.',
    footer: 'Este mensaje se ha enviado automáticamente. No respondas.',
  },
  pl: {
    intro: 'Dzień dobry, {name},',
    codeSubject: 'Twój kod nadania w paczkomacie {kiosk}',
    codeBody: 'Twój kod do nadania paczki {barcode} w paczkomacie {kiosk} to {code}. Na ekranie wybierz „Nadaj lub zwróć paczkę”.',
    deadline: 'Przynieś ją do {deadline}.',
    check: 'Kod kontrolny: {check} (paczkomat może o niego poprosić).',
    qrText: 'Albo pokaż ten kod QR w paczkomacie: {qr}',
    qrHtml: 'Albo zbliż ten kod QR do czytnika paczkomatu:',
    qrAlt: 'Kod QR do nadania',
    smsCode: 'Kod nadania {code} dla paczki {barcode} w paczkomacie {kiosk}. Przynies ja do {deadline}.',
    smsCodeShort: 'Kod nadania {code}, paczkomat {kiosk}, do {deadline}.',
    receiptSubject: 'Potwierdzenie: paczka {barcode} nadana w paczkomacie {kiosk}',
    receiptBody: 'Dziękujemy. Paczka {barcode} jest w skrytce {door} paczkomatu {kiosk} od {at}. Potwierdzenie: {receipt}.',
    smsReceipt: 'Paczka {barcode} nadana w paczkomacie {kiosk}, skrytka {door}, {at}. Potwierdzenie {receipt}.',
    smsReceiptShort: 'Paczka nadana w paczkomacie {kiosk}. Potwierdzenie {receipt}.',
    footer: 'Ta wiadomość została wysłana automatycznie. Prosimy na nią nie odpowiadać.',
  },
  de: {
    intro: 'Hallo {name},',
    codeSubject: 'Ihr Abgabecode für den Paketautomaten {kiosk}',
    codeBody: 'Ihr Code für die Abgabe von Paket {barcode} am Paketautomaten {kiosk} lautet {code}. Wählen Sie am Bildschirm „Paket senden oder zurückgeben“.',
    deadline: 'Bitte bringen Sie es bis {deadline}.',
    check: 'Prüfcode: {check} (der Automat fragt eventuell danach).',
    qrText: 'Oder zeigen Sie diesen QR-Code am Automaten: {qr}',
    qrHtml: 'Oder halten Sie diesen QR-Code an den Scanner des Automaten:',
    qrAlt: 'QR-Code für Ihre Abgabe',
    smsCode: 'Abgabecode {code} fur Paket {barcode} am Paketautomaten {kiosk}. Bitte bis {deadline} bringen.',
    smsCodeShort: 'Abgabecode {code}, Automat {kiosk}, bis {deadline}.',
    receiptSubject: 'Beleg: Paket {barcode} am Paketautomaten {kiosk} abgegeben',
    receiptBody: 'Vielen Dank. Paket {barcode} liegt seit {at} in Fach {door} des Paketautomaten {kiosk}. Ihr Beleg: {receipt}.',
    smsReceipt: 'Paket {barcode} am Automaten {kiosk} abgegeben, Fach {door}, {at}. Beleg {receipt}.',
    smsReceiptShort: 'Paket am Automaten {kiosk} abgegeben. Beleg {receipt}.',
    footer: 'Diese Nachricht wurde automatisch versendet. Bitte nicht antworten.',
  },
};

/** The texts for a stored locale (anything unknown reads English). Exported for the catalog test. */
export function dropoffTexts(locale: string): DropoffTexts {
  return TEXTS[locale as NotifyLocale] ?? TEXTS.en;
}
export const DROPOFF_LOCALES = Object.keys(TEXTS) as NotifyLocale[];

/** How to render: the sender's language, the kiosk's IANA zone, e-mail or SMS (as messages.ts RenderOptions). */
export interface DropoffRenderOptions {
  locale: string;
  timeZone: string;
  medium: 'email' | 'sms';
}

/**
 * A drop-off's message (`p.direction === 'out'`). `code`: the sender's code, check code and QR (`sealed` as
 * parsePickupSecrets read it), with the drop-off deadline. `receipt`: after the deposit (door, time, receipt reference).
 * Throws for any other kind: a drop-off has no pickup reminder or expiry notice.
 */
export function renderDropoffMessage(kind: string, p: ParcelRow, s: PickupSecrets | null, o: DropoffRenderOptions): Message {
  const c = dropoffTexts(o.locale);
  const v = { barcode: p.barcode, kiosk: p.kiosk_id };
  const html = (template: string, values: Record<string, string>) => fill(template, values, escapeHtml);
  const intro = p.recipient_name ? [html(c.intro, { name: escapeHtml(p.recipient_name) })] : [];
  if (kind === 'code' && s) {
    const deadline = formatDeadline(p.dropoff_deadline ?? Date.now(), o.locale, o.timeZone);
    const values = { ...v, code: s.code, deadline };
    const check = s.checkCode ? fill(c.check, { check: s.checkCode }) : '';
    if (o.medium === 'sms') return { subject: '', text: oneSegment([fill(c.smsCode, values) + (check ? ' ' + check : ''), fill(c.smsCodeShort, values) + (check ? ' ' + check : '')]) };
    const qr = s.qrToken ? `LK2:${s.qrToken}` : undefined;
    const subject = fill(c.codeSubject, v);
    const text = [fill(c.codeBody, values), fill(c.deadline, { deadline }), check, qr ? fill(c.qrText, { qr }) : ''].filter(Boolean).join(' ');
    const paragraphs = [
      ...intro,
      html(c.codeBody, { barcode: bold(p.barcode), kiosk: bold(p.kiosk_id), code: strong(s.code) }),
      html(c.deadline, { deadline: bold(deadline) }),
      ...(s.checkCode ? [html(c.check, { check: strong(s.checkCode) })] : []),
    ];
    return {
      subject,
      text,
      html: emailHtml({ lang: o.locale, title: subject, paragraphs, ...(qr ? { qr: { intro: c.qrHtml, alt: c.qrAlt } } : {}), footer: c.footer }),
      ...(qr ? { qr } : {}),
    };
  }
  if (kind === 'receipt') {
    const at = formatDeadline(p.deposited_at ?? Date.now(), o.locale, o.timeZone);
    const values = { ...v, door: p.compartment_id ?? '—', at, receipt: p.receipt ?? '—' };
    if (o.medium === 'sms') return { subject: '', text: oneSegment([fill(c.smsReceipt, values), fill(c.smsReceiptShort, values)]) };
    const subject = fill(c.receiptSubject, v);
    const bolded = Object.fromEntries(Object.entries(values).map(([k, x]) => [k, bold(x)]));
    return { subject, text: fill(c.receiptBody, values), html: emailHtml({ lang: o.locale, title: subject, paragraphs: [...intro, html(c.receiptBody, bolded)], footer: c.footer }) };
  }
  throw new Error(`a drop-off has no ${kind} message`);
}
