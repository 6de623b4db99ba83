import { useMemo } from 'react';
import { makeT, type Translate } from '../i18n';
import { useView } from '../state/view-store';

/** The translate function for the current language; components get every string through it. */
export function useT(): Translate {
  const locale = useView((s) => s.locale);
  return useMemo(() => makeT(locale), [locale]);
}
