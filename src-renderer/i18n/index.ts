import type { Locale } from '../../src-shared/api/common';
import type { ErrorCode } from '../../src-shared/errors';
import { de } from './de';
import { en, type Catalogue, type MessageKey, type PluralKey } from './en';
import { es } from './es';
import { pl } from './pl';
import type { Plural } from './types';

export type { MessageKey, PluralKey } from './en';
export const LOCALES: readonly Locale[] = ['en', 'es', 'pl', 'de'];
export const catalogues: Record<Locale, Catalogue> = { en, es, pl, de };

export type Params = Record<string, string | number>;
export type Translate = {
  (key: Exclude<MessageKey, PluralKey>, params?: Params): string;
  (key: PluralKey, params: Params & { count: number }): string;
};

const pluralRules = new Map<Locale, Intl.PluralRules>();
export function pluralCategory(locale: Locale, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  return rules.select(count);
}

function fill(text: string, params: Params | undefined, locale: Locale): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? new Intl.NumberFormat(locale).format(v) : v;
  });
}

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  // Falling back to English keeps a screen usable if a catalogue ever lags; the completeness test stops that landing.
  const msg: string | Plural = catalogues[locale][key] ?? en[key];
  if (typeof msg === 'string') return fill(msg, params, locale);
  const count = Number(params?.count ?? 0);
  const form = msg[pluralCategory(locale, count)] ?? msg.other;
  return fill(form, params, locale);
}

export function makeT(locale: Locale): Translate {
  return ((key: MessageKey, params?: Params) => translate(locale, key, params)) as Translate;
}

/** The catalogue key for an API error code. */
export function errorKey(code: ErrorCode | undefined): `error.${ErrorCode}` | 'error.generic' {
  return code ? `error.${code}` : 'error.generic';
}

/** "4 minutes" / "45 seconds" for a lockout countdown. */
export function formatDuration(t: Translate, ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds >= 120) return t('time.minutes', { count: Math.ceil(seconds / 60) });
  return t('time.seconds', { count: seconds });
}
