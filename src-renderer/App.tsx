import { useEffect, useMemo } from 'react';
import { getKiosk } from './bridge';
import { AttractScreen } from './screens/AttractScreen';
import { useView } from './state/view-store';
import { Banner, StatusBar, TopBar } from './ui/chrome';
import { useKioskStatus } from './ui/status';

export function App() {
  const kiosk = useMemo(() => getKiosk(), []);
  useKioskStatus(kiosk);
  const locale = useView((s) => s.locale);
  const large = useView((s) => s.textSize);
  const contrast = useView((s) => s.highContrast);
  const lowReach = useView((s) => s.lowReach);
  // Screen readers pick their voice from the document language, not just the container's.
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <div className="app" lang={locale} data-text={large} data-contrast={contrast ? 'high' : 'normal'} data-reach={lowReach ? 'low' : 'normal'}>
      <TopBar />
      <Banner />
      <AttractScreen onPickup={() => undefined} onTouch={() => undefined} />
      <StatusBar />
    </div>
  );
}
