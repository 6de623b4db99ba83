/**
 * One language's texts for the recipient's messages (issue 12, "Notifications people can read"). Every catalog has
 * every key (the compiler checks it through this type; tests/server/notify-catalog.test.ts checks that each text uses
 * the same placeholders as English). Placeholders are `{name}`; the renderers fill them (messages.ts), escaping for
 * HTML where the text goes into the e-mail's HTML part.
 *
 * Wording follows the kiosk's own catalogs (src-renderer/i18n/*.ts: "pickup code", "check code", the locker's name),
 * which the server may not import (process boundaries). SMS texts are written naturally; sms-text.ts folds letters
 * outside GSM-7 (ą → a, ó → o) so a text stays one 160-character segment.
 */
export interface NotifyCatalog {
  /** BCP 47 tag for Intl date formatting (`en-GB`: day before month, 24-hour clock). */
  intl: string;
  /** E-mail: `Hello {name},` when the shipment named the recipient. */
  'email.greeting': string;
  /** E-mail footer: sent by a machine, do not reply. */
  'email.footer': string;

  /** {barcode} {kiosk} */
  'code.subject': string;
  /** {barcode} {kiosk} {code}. English keeps "Your code for parcel … at locker … is …" (tests and tools read it). */
  'code.body': string;
  /** A re-issued code (ADR 0016): {barcode} {kiosk} */
  'reissued.subject': string;
  /** {barcode} {kiosk} {code}; says the previous code no longer works. */
  'reissued.body': string;
  /** {deadline}: local date and time at the kiosk, with the zone. */
  'code.deadline': string;
  /** {check}: the 4-digit check code the hardened keypad asks for (ADR 0008). */
  'code.check': string;
  /** Plain-text part and console: {qr} is the QR's payload `LK2:<token>` as text. */
  'code.qrText': string;
  /** HTML part: the line above the QR image. */
  'code.qrHtml': string;
  /** HTML part: the QR image's alt text. */
  'code.qrAlt': string;

  /** {barcode} {kiosk} */
  'reminder.subject': string;
  /** {barcode} {kiosk} {deadline} */
  'reminder.body': string;
  /** {barcode} */
  'expired.subject': string;
  /** {barcode} {kiosk} */
  'expired.body': string;

  /** SMS, code: {barcode} {kiosk} {code} {deadline} */
  'sms.code': string;
  /** SMS, code, when the above would not fit one segment (a long barcode or kiosk id): {kiosk} {code} {deadline} */
  'sms.codeShort': string;
  /** SMS, re-issued code: {barcode} {kiosk} {code} {deadline} */
  'sms.reissued': string;
  /** {kiosk} {code} {deadline} */
  'sms.reissuedShort': string;
  /** SMS, appended when the parcel has a check code: {check} */
  'sms.check': string;
  /** SMS, reminder: {barcode} {kiosk} {deadline} */
  'sms.reminder': string;
  /** {kiosk} {deadline} */
  'sms.reminderShort': string;
  /** SMS, not picked up in time: {barcode} {kiosk} */
  'sms.expired': string;
  /** {kiosk} */
  'sms.expiredShort': string;
}

/** The languages of the kiosk (src-shared/api/common.ts Locale); a shipment names one, default en. */
export type NotifyLocale = 'en' | 'es' | 'pl' | 'de';
