import { de } from './de';
import { en } from './en';
import { es } from './es';
import { pl } from './pl';
import type { NotifyCatalog, NotifyLocale } from './types';

export type { NotifyCatalog, NotifyLocale };

/** Every language's catalog; a locale the store somehow holds that is not here falls back to English (catalog()). */
export const CATALOGS: Readonly<Record<NotifyLocale, NotifyCatalog>> = { en, es, pl, de };

/** The catalog for a stored locale (parcels.locale; CHECKed to these four, so the fallback is for safety only). */
export function catalog(locale: string): NotifyCatalog {
  return CATALOGS[locale as NotifyLocale] ?? en;
}

/** A template's placeholder names, in order (`{barcode}` → `barcode`). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]!);
}

/**
 * Fills `{name}` placeholders. `literal` maps the template's own text (identity for plain text, HTML-escape for the
 * HTML part); values are inserted as given, so the caller escapes them (or wraps them in markup) first. A placeholder
 * without a value is a programming error: it throws rather than send "{code}" to a customer.
 */
export function fill(template: string, values: Record<string, string>, literal: (s: string) => string = (s) => s): string {
  let out = '';
  let last = 0;
  for (const m of template.matchAll(/\{([a-z]+)\}/g)) {
    const v = values[m[1]!];
    if (v === undefined) throw new Error(`notification template needs {${m[1]}}`);
    out += literal(template.slice(last, m.index)) + v;
    last = m.index + m[0].length;
  }
  return out + literal(template.slice(last));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A deadline as the recipient reads it at the kiosk: weekday, day, month and 24-hour time in the kiosk's IANA zone,
 * with the zone's short name, in the recipient's language (`Mon 30 Mar, 13:00 CEST`, `pon., 30 mar, 13:00 CEST`,
 * `Mo., 30. März, 13:00 MESZ`; a UTC kiosk says `UTC`). No year: a parcel waits at most 60 days. `ms`: epoch
 * milliseconds. White space comes back as plain spaces (ICU may use narrow no-break spaces, which SMS cannot carry).
 */
export function formatDeadline(ms: number, locale: string, timeZone: string): string {
  const c = catalog(locale);
  const key = `${c.intl}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    const options = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' } as const;
    try {
      f = new Intl.DateTimeFormat(c.intl, { ...options, timeZone });
    } catch {
      // Zones are checked on the way in (TimeZone); one this runtime stopped knowing must not fail a deposit's transaction.
      f = new Intl.DateTimeFormat(c.intl, { ...options, timeZone: 'UTC' });
    }
    formatters.set(key, f);
  }
  return f.format(ms).replace(/\s/g, ' ');
}
