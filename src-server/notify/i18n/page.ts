import { pageDe } from './page-de';
import { pageEn } from './page-en';
import { pageEs } from './page-es';
import { pagePl } from './page-pl';
import type { RecipientPageCatalog } from './page-types';
import type { NotifyLocale } from './types';

export type { RecipientPageCatalog };

/** The recipient page's texts in every language the messages speak. */
export const PAGE_CATALOGS: Readonly<Record<NotifyLocale, RecipientPageCatalog>> = { en: pageEn, es: pageEs, pl: pagePl, de: pageDe };

/** A stored locale as one of ours (parcels.locale is CHECKed to these four; the fallback is for safety only). */
export function pageLocale(locale: string): NotifyLocale {
  return Object.hasOwn(PAGE_CATALOGS, locale) ? (locale as NotifyLocale) : 'en';
}

/**
 * The language for a recipient page that has no parcel to take it from (a malformed or forged link): the first of the
 * browser's `Accept-Language` tags, by quality, whose primary subtag we speak (`de-AT` → `de`), else English. A tag
 * with `q=0` is one the browser refuses. Never throws: the header is the client's and may be anything.
 */
export function localeFromAcceptLanguage(header: string | undefined): NotifyLocale {
  if (!header) return 'en';
  const ranked = header
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { primary: tag.trim().toLowerCase().split('-')[0]!, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((t) => t.q > 0 && Object.hasOwn(PAGE_CATALOGS, t.primary))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return (ranked[0]?.primary as NotifyLocale | undefined) ?? 'en';
}
