import { useEffect } from 'react';
import type { Locale } from '../../src-shared/api/common';
import { LOCALES } from '../i18n';
import { useView } from '../state/view-store';
import { useT } from './i18n';

/** Language and display options: on every screen, so anyone can switch at any point of a flow. */
export function TopBar() {
  const t = useT();
  const locale = useView((s) => s.locale);
  const setLocale = useView((s) => s.setLocale);
  const large = useView((s) => s.textSize === 'large');
  const contrast = useView((s) => s.highContrast);
  const lowReach = useView((s) => s.lowReach);
  const view = useView.getState;
  return (
    <header className="topbar">
      <nav className="toolbar" aria-label={t('attract.language')}>
        {LOCALES.map((l: Locale) => (
          <button key={l} type="button" lang={l} className="btn small" aria-pressed={l === locale} onClick={() => setLocale(l)}>
            {t(`lang.${l}`)}
          </button>
        ))}
      </nav>
      <div className="toolbar" role="group" aria-label={t('a11y.toolbar')}>
        <button type="button" className="btn small" aria-pressed={large} onClick={() => view().toggleLargeText()}>
          {t('a11y.largeText')}
        </button>
        <button type="button" className="btn small" aria-pressed={contrast} onClick={() => view().toggleHighContrast()}>
          {t('a11y.highContrast')}
        </button>
        <button type="button" className="btn small" aria-pressed={lowReach} onClick={() => view().toggleLowReach()}>
          {t('a11y.lowReach')}
        </button>
      </div>
    </header>
  );
}

/** Connectivity and hardware trouble, shown above every screen while it lasts. */
export function Banner() {
  const t = useT();
  const core = useView((s) => s.coreConnected);
  const hw = useView((s) => s.hardware?.status);
  const net = useView((s) => s.connectivity?.status);
  const key = !core
    ? 'banner.coreLost'
    : hw === 'offline'
      ? 'banner.hardwareOffline'
      : hw === 'degraded'
        ? 'banner.hardwareDegraded'
        : net === 'offline'
          ? 'banner.offline'
          : null;
  if (!key) return <ScanNotice />;
  return (
    <div className="banner" role="status" data-testid="banner">
      {t(key)}
    </div>
  );
}

/** How long "please scan your badge" / "scan again" stays up: long enough to read from a metre, then it goes. */
export const SCAN_NOTICE_MS = 6000;

/** A keyboard read that was not a scan, said plainly instead of ignored (typed by hand, or cut off mid-burst). */
function ScanNotice() {
  const t = useT();
  const notice = useView((s) => s.scanNotice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => {
      if (useView.getState().scanNotice === notice) useView.getState().setScanNotice(null);
    }, SCAN_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  if (!notice) return null;
  return (
    <div className="banner banner-notice" role="status" data-testid="scan-notice" data-why={notice.why}>
      {t(notice.why === 'typed' ? 'scan.typed' : 'scan.cut')}
    </div>
  );
}

/** Live status readable from a metre away (doors, network, free compartments), then kiosk id and version for support. */
export function StatusBar() {
  const t = useT();
  const info = useView((s) => s.info);
  const hw = useView((s) => s.hardware);
  const net = useView((s) => s.connectivity);
  const linked = useView((s) => s.coreConnected);
  const store = useView((s) => s.store);
  if (!info) {
    return (
      <footer className="statusbar" data-testid="kiosk-info" aria-busy="true">
        <span>{t('info.loading')}</span>
      </footer>
    );
  }
  const free = Object.values(info.freeBySize).reduce((a, b) => a + (b ?? 0), 0);
  const storeOk = store === 'ok';
  return (
    <footer className="statusbar" data-testid="kiosk-info" data-kiosk-id={info.kioskId}>
      {/* What a customer wants to know from a step away: large. Support details: quieter, to the side. */}
      <div className="status-main">
        {/* Without a link to main the last doors/network/free figures are stale: say so instead of repeating them. */}
        {linked ? (
          <>
            <span data-testid="hardware-status">
              <span className={`dot ${hw?.status ?? 'unknown'}`} aria-hidden="true" />
              {t(`info.hardware.${hw?.status ?? 'offline'}`)}
            </span>
            <span data-testid="connectivity-status">
              <span className={`dot ${net?.status ?? 'unknown'}`} aria-hidden="true" />
              {t(`info.connectivity.${net?.status ?? 'unknown'}`)}
            </span>
            {/* Free compartments are no use while nothing new can start (disk full): say that instead. */}
            <span data-testid="free-status">{storeOk ? t('info.free', { count: free }) : t('outOfOrder.title')}</span>
          </>
        ) : (
          <span data-testid="link-status">
            <span className="dot offline" aria-hidden="true" />
            {t('info.noLink')}
          </span>
        )}
      </div>
      <div className="status-support">
        <span>{t('info.kiosk', { id: info.kioskId })}</span>
        <span>{t('info.version', { version: info.version })}</span>
        {info.demo ? <span>{t('info.demo')}</span> : null}
      </div>
    </footer>
  );
}
