import type { RefusalReason } from '../../services/recipient-requests';

/**
 * One language's texts for the recipient's public page (`GET /r/:token`, issue 13 "More time"), beside the messages'
 * catalogs so that the page a recipient opens from a German SMS speaks German too. Every catalog has every key (the
 * compiler checks it through this type; tests/server/recipient-page-locale.test.ts checks that each text uses the same
 * placeholders as English). Placeholders are `{name}`, filled by src-server/routes/recipient-html.ts, which escapes the
 * template's own text and wraps values in markup. Wording follows the messages: the same word for the locker, the
 * compartment and the pickup code as the SMS that carried the link.
 */
export type RecipientPageCatalog = {
  /** `<title>` of the parcel page. */
  'page.title': string;
  /** Before delivery. */
  'expected.heading': string;
  /** {barcode} {kiosk} */
  'expected.body': string;
  /** The recipient already asked for a low compartment (at most 120 cm). */
  'reach.asked': string;
  /** The question above the "within reach" button. */
  'reach.offer': string;
  'reach.button': string;
  /** After the request went through. */
  'reach.done': string;
  /** In its compartment. */
  'waiting.heading': string;
  /** {barcode} {kiosk} {deadline}: the deadline as formatDeadline writes it (the kiosk's zone, like the messages). */
  'waiting.body': string;
  /** The label of the "how many days" select. */
  'extend.label': string;
  /** An option of that select: {n} is 1. */
  'extend.day': string;
  /** An option of that select: {n} is 2 or more (every language here says "2 … 30 days" with one form). */
  'extend.days': string;
  'extend.button': string;
  /** Shown instead of the form once the one extension is used. */
  'extend.used': string;
  /** After the extension: {deadline} is the new one. */
  'extend.done': string;
  /** Past its pickup date. */
  'expired.heading': string;
  /** {barcode} {kiosk} */
  'expired.body': string;
  /** The footer of the parcel page: the link is the credential. */
  'page.private': string;
  /** The parcel left the locker (410). */
  'gone.title': string;
  'gone.heading': string;
  'gone.body': string;
  /** A malformed or forged link (404): nothing about any parcel. */
  'invalid.title': string;
  'invalid.body': string;
  /** 429. */
  'limited.title': string;
  'limited.body': string;
} & { [R in RefusalReason as `refused.${R}`]: string };
