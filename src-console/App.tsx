import { useCallback, useEffect, useState } from 'react';
import { api, can, setCsrf, whenSignedOut, type Me } from './api';
import { AlertsPage } from './pages/Alerts';
import { AnalyticsPage } from './pages/Analytics';
import { AuditPage } from './pages/Audit';
import { BadgesPage } from './pages/Badges';
import { CarrierKeysPage } from './pages/CarrierKeys';
import { InboxPage } from './pages/Inbox';
import { KiosksPage } from './pages/Kiosks';
import { OperatorsPage } from './pages/Operators';
import { ParcelsPage } from './pages/Parcels';
import { SignIn } from './pages/SignIn';

type Page = 'kiosks' | 'parcels' | 'inbox' | 'analytics' | 'badges' | 'operators' | 'carrier-keys' | 'alerts' | 'audit';
const TITLES: Record<Page, string> = { kiosks: 'Kiosks', parcels: 'Parcels', inbox: 'Problems and alarms', analytics: 'Analytics', badges: 'Badges and enrollment', operators: 'Operators', 'carrier-keys': 'Carrier API keys', alerts: 'Alerts and webhooks', audit: 'Audit log' };

function pageFromHash(): Page {
  const h = window.location.hash.replace(/^#\/?/, '');
  return (Object.keys(TITLES) as Page[]).includes(h as Page) ? (h as Page) : 'kiosks';
}

/** The console's shell: sign-in until there is a session, then a navigation bar and one page at a time (#/page). */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [page, setPage] = useState<Page>(pageFromHash);

  useEffect(() => {
    whenSignedOut(() => setMe(null));
    api<{ operator: Me; csrfToken: string }>('GET', 'session')
      .then((s) => {
        setCsrf(s.csrfToken);
        setMe(s.operator);
      })
      .catch(() => setMe(null));
    const onHash = () => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    document.title = me ? `${TITLES[page]} · Locker console` : 'Sign in · Locker console';
  }, [me, page]);

  const signOut = useCallback(async (everywhere: boolean) => {
    await api('POST', everywhere ? 'sign-out-everywhere' : 'sign-out').catch(() => undefined);
    setMe(null);
  }, []);

  if (me === undefined) return <main className="loading" aria-busy="true" />;
  if (me === null)
    return (
      <SignIn
        onSignedIn={(op, token) => {
          setCsrf(token);
          setMe(op);
        }}
      />
    );

  const pages: Page[] = ['kiosks', 'parcels', 'inbox', 'analytics', 'badges', ...(can.manageOperators(me.role) ? (['operators'] as const) : []), ...(can.manageCarrierKeys(me.role) ? (['carrier-keys'] as const) : []), ...(can.manageAlerts(me.role) ? (['alerts'] as const) : []), ...(can.readAudit(me.role) ? (['audit'] as const) : [])];
  const shown = pages.includes(page) ? page : 'kiosks';
  return (
    <>
      <header className="bar">
        <span className="brand">Locker console</span>
        <nav aria-label="Console">
          <ul>
            {pages.map((p) => (
              <li key={p}>
                <a href={`#/${p}`} aria-current={p === shown ? 'page' : undefined}>
                  {TITLES[p]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {me.name} <span className="role">{me.role}</span>
          </span>
          <button type="button" className="secondary" onClick={() => void signOut(false)}>
            Sign out
          </button>
          <button type="button" className="secondary" onClick={() => void signOut(true)}>
            Sign out everywhere
          </button>
        </div>
      </header>
      <main id="main">
        <h1>{TITLES[shown]}</h1>
        {shown === 'kiosks' && <KiosksPage me={me} />}
        {shown === 'parcels' && <ParcelsPage me={me} />}
        {shown === 'inbox' && <InboxPage />}
        {shown === 'analytics' && <AnalyticsPage />}
        {shown === 'badges' && <BadgesPage me={me} />}
        {shown === 'operators' && <OperatorsPage me={me} />}
        {shown === 'carrier-keys' && <CarrierKeysPage />}
        {shown === 'alerts' && <AlertsPage />}
        {shown === 'audit' && <AuditPage />}
      </main>
    </>
  );
}
