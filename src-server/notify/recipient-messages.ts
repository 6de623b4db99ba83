import type { ParcelRow } from '../services/shipments';
import { bold, emailHtml, escapeHtml } from './email-html';
import { catalog, fill, type NotifyLocale } from './i18n/index';
import type { Message } from './messages';
import { foldToGsm7 } from './sms-text';

/**
 * The recipient's link in messages, and the "on its way" message that carries it (issue 13, ADR customer-self-service).
 * Kept apart from the main catalogs: these texts are this feature's, in the same four languages, with the same
 * placeholders in each (tests/server/customer-messages.test.ts checks). `{link}` is the recipient's page.
 */
const TEXTS: Record<NotifyLocale, { subject: string; body: string; link: string; sms: string }> = {
  en: {
    subject: 'Your parcel {barcode} is on its way to locker {kiosk}',
    body: 'Your parcel {barcode} is on its way to locker {kiosk}. We will send your pickup code when it arrives.',
    link: 'Need more time, or a compartment within reach? {link}',
    sms: 'Parcel {barcode} is on its way to locker {kiosk}. More time or a low compartment: {link}',
  },
  es: {
    subject: 'Su paquete {barcode} va de camino a la taquilla {kiosk}',
    body: 'Su paquete {barcode} va de camino a la taquilla {kiosk}. Le enviaremos el código de recogida cuando llegue.',
    link: '¿Necesita más tiempo o un compartimento a su alcance? {link}',
    sms: 'El paquete {barcode} va a la taquilla {kiosk}. Más tiempo o un compartimento bajo: {link}',
  },
  pl: {
    subject: 'Twoja paczka {barcode} jest w drodze do automatu {kiosk}',
    body: 'Twoja paczka {barcode} jest w drodze do automatu {kiosk}. Kod odbioru wyślemy, gdy dotrze.',
    link: 'Potrzebujesz więcej czasu albo skrytki w zasięgu ręki? {link}',
    sms: 'Paczka {barcode} jedzie do automatu {kiosk}. Więcej czasu lub niska skrytka: {link}',
  },
  de: {
    subject: 'Ihr Paket {barcode} ist unterwegs zur Station {kiosk}',
    body: 'Ihr Paket {barcode} ist unterwegs zur Station {kiosk}. Den Abholcode schicken wir, sobald es ankommt.',
    link: 'Mehr Zeit oder ein Fach in Reichweite? {link}',
    sms: 'Paket {barcode} ist unterwegs zur Station {kiosk}. Mehr Zeit oder ein tiefes Fach: {link}',
  },
};

/** Placeholders each text must use, in every language (the catalog test reads this). */
export const RECIPIENT_TEXTS = TEXTS;

const texts = (locale: string) => TEXTS[(locale in TEXTS ? locale : 'en') as NotifyLocale];

/**
 * "Your parcel is on its way to locker X" at intake, with the recipient's link: an e-mail (text and HTML) or one SMS
 * (folded to GSM-7; the link makes it two segments at most). Without a link (no public address known) there is
 * nothing the recipient could do with it, and the caller queues none.
 */
export function renderOnTheWay(p: ParcelRow, o: { locale: string; medium: 'email' | 'sms'; link: string }): Message {
  const t = texts(o.locale);
  const v = { barcode: p.barcode, kiosk: p.kiosk_id };
  if (o.medium === 'sms') return { subject: '', text: foldToGsm7(fill(t.sms, { ...v, link: o.link })) };
  const subject = fill(t.subject, v);
  const c = catalog(o.locale);
  const paragraphs = [
    ...(p.recipient_name ? [fill(c['email.greeting'], { name: escapeHtml(p.recipient_name) }, escapeHtml)] : []),
    fill(t.body, { barcode: bold(p.barcode), kiosk: bold(p.kiosk_id) }, escapeHtml),
    linkHtml(o.locale, o.link),
  ];
  return {
    subject,
    text: `${fill(t.body, v)} ${fill(t.link, { link: o.link })}`,
    html: emailHtml({ lang: o.locale, title: subject, paragraphs, footer: c['email.footer'] }),
  };
}

/** The link sentence as plain text (appended to an e-mail's text part). */
export function linkText(locale: string, link: string): string {
  return fill(texts(locale).link, { link });
}

/** The link sentence as HTML, the link itself an anchor (escaped: it is ours, but nothing goes in unescaped). */
export function linkHtml(locale: string, link: string): string {
  return fill(texts(locale).link, { link: `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>` }, escapeHtml);
}

/**
 * Adds the recipient's link to an e-mail (the code and reminder messages): one sentence at the end of the text part and
 * one paragraph before the HTML part's footer. SMS stay as they are: a code SMS must fit one segment, and the link
 * arrived with the "on its way" message.
 */
export function withLink(m: Message, o: { locale: string; medium: 'email' | 'sms'; link?: string | null | undefined }): Message {
  if (!o.link || o.medium !== 'email') return m;
  const paragraph = `<p style="margin:0 0 16px">${linkHtml(o.locale, o.link)}</p>`;
  const at = m.html?.lastIndexOf('<p') ?? -1;
  return {
    ...m,
    text: `${m.text} ${linkText(o.locale, o.link)}`,
    ...(m.html ? { html: at >= 0 ? m.html.slice(0, at) + paragraph + m.html.slice(at) : m.html + paragraph } : {}),
  };
}
