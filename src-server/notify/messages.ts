import type { ParcelRow } from '../services/shipments';
import { bold, emailHtml, escapeHtml, strong } from './email-html';
import { catalog, fill, formatDeadline, type NotifyCatalog } from './i18n/index';
import { oneSegment } from './sms-text';
import { renderDropoffMessage } from './dropoff-messages';
import { renderOnTheWay, withLink } from './recipient-messages';

/** `receipt`: a drop-off's receipt to its sender (ADR drop-offs; dropoff-messages.ts). */
/** `on_the_way`: at intake, with the recipient's link (ADR customer-self-service; recipient-messages.ts). */
export type NotificationKind = 'code' | 'reminder' | 'expired' | 'receipt' | 'on_the_way';

/**
 * One message as the outbox seals it per row and a channel sends it. For an SMS row `text` is the short SMS (one
 * GSM-7 segment where it fits); for an e-mail row it is the plain-text part, `html` the HTML part and `qr` the QR's
 * payload (`LK2:<token>`), which the SMTP channel renders as the inline image `cid:` QR_CID (email-html.ts).
 */
export interface Message {
  subject: string;
  text: string;
  html?: string;
  qr?: string;
}

/** What the recipient needs at the kiosk (ADR 0008 (code lockout)). Sealed at rest on the server until the code message is sent. */
export interface PickupSecrets {
  code: string;
  /** The QR's token; the QR payload is `LK2:<token>`. Absent for parcels created before ADR 0008 (code lockout). */
  qrToken?: string;
  /** The 4-digit check code the keypad asks for when it is hardened. */
  checkCode?: string;
}

/** The plaintext sealed into `code_sealed`: JSON for new parcels (a bare 6-digit code for older rows still opens). */
export function sealablePickupSecrets(s: PickupSecrets): string {
  return JSON.stringify(s);
}

/** Reads what `sealablePickupSecrets` wrote, or a bare code from a row sealed before ADR 0008 (code lockout). */
export function parsePickupSecrets(plain: string): PickupSecrets {
  if (!plain.startsWith('{')) return { code: plain };
  const v = JSON.parse(plain) as Partial<PickupSecrets>;
  return { code: String(v.code ?? ''), ...(v.qrToken ? { qrToken: v.qrToken } : {}), ...(v.checkCode ? { checkCode: v.checkCode } : {}) };
}

/**
 * How a message is rendered: the recipient's language (parcels.locale), the kiosk's IANA zone (kiosks.time_zone) for
 * deadlines, the medium (an e-mail gets subject, text, HTML and QR; an SMS, or the demo console printing to a phone
 * number, gets one short text), and whether the code is a re-issued one (ADR 0016: "your new code").
 */
export interface RenderOptions {
  locale: string;
  timeZone: string;
  medium: 'email' | 'sms';
  reissued?: boolean;
  /** The recipient's page (ADR customer-self-service): e-mails end with it; the `on_the_way` message needs it. */
  link?: string | null;
}

const ENGLISH_UTC: RenderOptions = { locale: 'en', timeZone: 'UTC', medium: 'email' };

/**
 * The message a recipient gets, in their language, deadlines in the kiosk's local time. Only the `code` kind carries
 * the pickup secrets (`sealed`, as parsePickupSecrets reads it): the code, then the check code and the QR payload.
 * English keeps the first sentence's old shape ("Your code for parcel … at locker … is …") on purpose.
 */
export function renderMessage(kind: NotificationKind, p: ParcelRow, sealed?: string, o: RenderOptions = ENGLISH_UTC): Message {
  // A drop-off's messages go to its sender and say other things (ADR drop-offs).
  if (p.direction === 'out') return renderDropoffMessage(kind, p, kind === 'code' ? parsePickupSecrets(sealed ?? '') : null, o);
  const c = catalog(o.locale);
  const deadline = p.expires_at === null ? null : formatDeadline(p.expires_at, o.locale, o.timeZone);
  const v = { barcode: p.barcode, kiosk: p.kiosk_id };
  switch (kind) {
    case 'code': {
      const s = parsePickupSecrets(sealed ?? '');
      if (o.medium === 'sms') return { subject: '', text: codeSms(c, v, s, deadline, o.reissued === true) };
      return withLink(codeEmail(c, o, p, s, deadline), o);
    }
    case 'reminder': {
      const d = deadline ?? '—';
      if (o.medium === 'sms') return { subject: '', text: oneSegment([fill(c['sms.reminder'], { ...v, deadline: d }), fill(c['sms.reminderShort'], { ...v, deadline: d })]) };
      return withLink(plainEmail(c, o, p, fill(c['reminder.subject'], v), c['reminder.body'], { ...v, deadline: d }), o);
    }
    case 'expired':
      if (o.medium === 'sms') return { subject: '', text: oneSegment([fill(c['sms.expired'], v), fill(c['sms.expiredShort'], v)]) };
      return plainEmail(c, o, p, fill(c['expired.subject'], v), c['expired.body'], v);
    case 'receipt':
      throw new Error('a receipt is a drop-off message (direction out)');
    case 'on_the_way':
      if (!o.link) throw new Error('an on-the-way message needs the recipient link');
      return renderOnTheWay(p, { locale: o.locale, medium: o.medium, link: o.link });
    default: {
      const never: never = kind;
      throw new Error(`unknown notification kind ${String(never)}`);
    }
  }
}

type Values = Record<string, string>;
const html = (template: string, values: Values) => fill(template, values, escapeHtml);
const boldAll = (values: Values) => Object.fromEntries(Object.entries(values).map(([k, x]) => [k, bold(x)]));

/** SMS: code, locker, deadline and the check code; the barcode only when it all fits one segment. */
function codeSms(c: NotifyCatalog, v: Values, s: PickupSecrets, deadline: string | null, reissued: boolean): string {
  const values = { ...v, code: s.code, deadline: deadline ?? '—' };
  const check = s.checkCode ? ' ' + fill(c['sms.check'], { check: s.checkCode }) : '';
  const [full, short] = reissued ? (['sms.reissued', 'sms.reissuedShort'] as const) : (['sms.code', 'sms.codeShort'] as const);
  return oneSegment([fill(c[full], values) + check, fill(c[short], values) + check]);
}

/** E-mail with the code: plain text as before issue 12 (now localized), the same in HTML, and the QR as an image. */
function codeEmail(c: NotifyCatalog, o: RenderOptions, p: ParcelRow, s: PickupSecrets, deadline: string | null): Message {
  const v = { barcode: p.barcode, kiosk: p.kiosk_id };
  const [subjectKey, bodyKey] = o.reissued ? (['reissued.subject', 'reissued.body'] as const) : (['code.subject', 'code.body'] as const);
  const qr = s.qrToken ? `LK2:${s.qrToken}` : undefined;
  const text = [
    fill(c[bodyKey], { ...v, code: s.code }),
    deadline ? fill(c['code.deadline'], { deadline }) : '',
    s.checkCode ? fill(c['code.check'], { check: s.checkCode }) : '',
    qr ? fill(c['code.qrText'], { qr }) : '',
  ].filter(Boolean);
  const subject = fill(c[subjectKey], v);
  const paragraphs = [
    ...greeting(c, p),
    html(c[bodyKey], { ...boldAll(v), code: strong(s.code) }),
    ...(deadline ? [html(c['code.deadline'], { deadline: bold(deadline) })] : []),
    ...(s.checkCode ? [html(c['code.check'], { check: strong(s.checkCode) })] : []),
  ];
  return {
    subject,
    text: text.join(' '),
    html: emailHtml({ lang: o.locale, title: subject, paragraphs, ...(qr ? { qr: { intro: c['code.qrHtml'], alt: c['code.qrAlt'] } } : {}), footer: c['email.footer'] }),
    ...(qr ? { qr } : {}),
  };
}

/** An e-mail of one sentence or two (reminder, notice): plain text and the same in HTML. */
function plainEmail(c: NotifyCatalog, o: RenderOptions, p: ParcelRow, subject: string, template: string, values: Values): Message {
  return {
    subject,
    text: fill(template, values),
    html: emailHtml({ lang: o.locale, title: subject, paragraphs: [...greeting(c, p), html(template, boldAll(values))], footer: c['email.footer'] }),
  };
}

const greeting = (c: NotifyCatalog, p: ParcelRow) => (p.recipient_name ? [html(c['email.greeting'], { name: escapeHtml(p.recipient_name) })] : []);
