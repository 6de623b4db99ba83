import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src-shared/errors';
import { catalogues, formatDuration, LOCALES, makeT, pluralCategory, translate } from '../../src-renderer/i18n';
import { en } from '../../src-renderer/i18n/en';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { WithReference } from '../../src-renderer/ui/widgets';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const forms = (m: string | Record<string, string>) => (typeof m === 'string' ? [m] : Object.values(m));

describe('message catalogues', () => {
  it('every locale has exactly the English keys, each non-empty', () => {
    for (const locale of LOCALES) {
      const cat = catalogues[locale] as unknown as Record<string, string | Record<string, string>>;
      expect(Object.keys(cat).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [key, msg] of Object.entries(cat)) for (const f of forms(msg)) expect(f.trim(), `${locale} ${key}`).not.toBe('');
    }
  });

  it('every error code has a text in every locale', () => {
    for (const locale of LOCALES) for (const code of ERROR_CODES) expect(catalogues[locale][`error.${code}`], `${locale} ${code}`).toBeTruthy();
  });

  it('translations use the same placeholders as English', () => {
    for (const locale of LOCALES) {
      for (const [key, enMsg] of Object.entries(en)) {
        const want = placeholders(forms(enMsg)[0]!);
        for (const f of forms((catalogues[locale] as unknown as Record<string, string | Record<string, string>>)[key]!)) {
          expect(placeholders(f), `${locale} ${key}: "${f}"`).toEqual(want);
        }
      }
    }
  });

  it('plural messages cover every plural category the language uses (Intl.PluralRules)', () => {
    for (const locale of LOCALES) {
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      for (const [key, enMsg] of Object.entries(en)) {
        if (typeof enMsg === 'string') continue;
        const msg = (catalogues[locale] as unknown as Record<string, Record<string, string>>)[key]!;
        for (const c of categories) expect(msg[c], `${locale} ${key} lacks "${c}"`).toBeTruthy();
      }
    }
  });
});

describe('plural rules in use', () => {
  it('Polish picks one / few / many', () => {
    const t = makeT('pl');
    expect(t('pickup.attemptsLeft', { count: 1 })).toBe('Została 1 próba');
    expect(t('pickup.attemptsLeft', { count: 3 })).toBe('Zostały 3 próby');
    expect(t('pickup.attemptsLeft', { count: 5 })).toBe('Zostało 5 prób');
    expect(t('pickup.attemptsLeft', { count: 22 })).toBe('Zostały 22 próby');
    expect(t('pickup.attemptsLeft', { count: 25 })).toBe('Zostało 25 prób');
    expect(pluralCategory('pl', 12)).toBe('many');
  });

  it('English, German and Spanish pick one / other', () => {
    expect(translate('en', 'pickup.attemptsLeft', { count: 1 })).toBe('1 attempt left');
    expect(translate('en', 'pickup.attemptsLeft', { count: 0 })).toBe('0 attempts left');
    expect(translate('de', 'driver.delivered', { count: 1 })).toBe('1 Paket bei diesem Besuch zugestellt');
    expect(translate('es', 'time.minutes', { count: 2 })).toBe('2 minutos');
  });

  it('fills placeholders and formats numbers for the locale; lockout durations read naturally', () => {
    expect(translate('en', 'door.openTitle', { door: 'A07' })).toBe('Door A07 is open');
    expect(translate('de', 'tech.outbox', { count: 1200 })).toBe('1.200 Ereignisse warten auf Versand');
    const t = makeT('en');
    expect(formatDuration(t, 300_000)).toBe('5 minutes');
    expect(formatDuration(t, 45_200)).toBe('46 seconds');
    expect(formatDuration(t, 1)).toBe('1 second');
  });
});

describe('fault references', () => {
  it('every message that shows a reference puts it, whole, in its own element (kept on one line)', () => {
    const keys = ['door.faultBody', 'report.sent', 'tech.resolved.failed'] as const;
    for (const locale of LOCALES) {
      const t = makeT(locale);
      for (const key of keys) {
        const html = renderToStaticMarkup(createElement(WithReference, { text: (reference: string) => t(key, { reference, door: 'A07' }), reference: 'R-Y7N6DL' }));
        expect(html, `${locale} ${key}`).toContain('<span class="reference">R-Y7N6DL</span>');
        expect(html).not.toContain('\u0000');
      }
    }
  });
});
