import { createContext, useContext, useEffect, useState } from 'react';
import type { KioskBridge } from '../../src-shared/api';
import type { LayoutView } from '../../src-shared/api/kiosk';

export const KioskContext = createContext<KioskBridge | null>(null);

export function useKiosk(): KioskBridge {
  const k = useContext(KioskContext);
  if (!k) throw new Error('useKiosk outside KioskContext');
  return k;
}

let layoutCache: LayoutView | null = null;

/** The bank layout never changes while the app runs: read it once, for every door drawing. */
export function useLayout(): LayoutView | null {
  const kiosk = useKiosk();
  const [layout, setLayout] = useState(layoutCache);
  useEffect(() => {
    if (layoutCache) return;
    let live = true;
    void kiosk.layoutGet({}).then((r) => {
      if (r.ok) layoutCache = r.value;
      if (r.ok && live) setLayout(r.value);
    });
    return () => {
      live = false;
    };
  }, [kiosk]);
  return layout;
}

/** Re-renders every `ms` so countdowns (lockout, idle) move on screen. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
