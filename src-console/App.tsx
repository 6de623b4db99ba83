import { useCallback, useEffect, useState } from 'react';
import { api, can, setCsrf, whenSignedOut, type Me } from './api';
import { AlertsPage } from './pages/Alerts';
import { AnalyticsPage } from './pages/Analytics';
import { AuditPage } from './pages/Audit';
import { BadgesPage } from './pages/Badges';
import { CarrierKeysPage } from './pages/CarrierKeys';
import { ChangePasswordPage } from './pages/ChangePassword';
import { InboxPage } from './pages/Inbox';
import { KiosksPage } from './pages/Kiosks';
import { OperatorsPage } from './pages/Operators';
import { ParcelsPage } from './pages/Parcels';
import { SignIn } from './pages/SignIn';

type Page = 'kiosks' | 'parcels' | 'inbox' | 'analytics' | 'badges' | 'operators' | 'carrier-keys' | 'alerts' | 'audit' | 'password';
const TITLES: Record<Page, string> = { kiosks: 'Kiosks', parcels: 'Parcels', inbox: 'Problems and alarms', analytics: 'Analytics', badges: 'Badges and enrollment', operators: 'Operators', 'carrier-keys': 'Carrier API keys', alerts: 'Alerts and webhooks', audit: 'Audit log', password: 'Change my password' };

function pageFromHash(): Page {
  const h = window.location.hash.replace(/^#\/?/, '');
  return (Object.keys(TITLES) as Page[]).includes(h as Page) ? (h as Page) : 'kiosks';
}

/** The session as the server has it (who, the CSRF token, whether an admin's reset must be replaced first). */
async function loadSession(): Promise<Me> {
  const s = await api<{ operator: Me; csrfToken: string }>('GET', 'session');
  setCsrf(s.csrfToken);
  return s.operator;
}

/**
 * The console's shell: sign-in until there is a session, then a navigation bar and one page at a time (#/page). After
 * an admin reset the operator's password, only "choose your own" until they have (ADR password-reset).
 */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [page, setPage] = useState<Page>(pageFromHash);
  // A sentence for the page shown next (a changed password), gone at the next page change.
  const [flash, setFlash] = useState<string | null>(null);

  useEffect(() => {
    whenSignedOut(() => setMe(null));
    loadSession().then(setMe, () => setMe(null));
    const onHash = () => {
      setFlash(null);
      setPage(pageFromHash());
    };
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
          // The sign-in answer does not say whether the password was reset; the session does.
          loadSession().then(setMe, () => setMe(op));
        }}
      />
    );

  const pages: Page[] = ['kiosks', 'parcels', 'inbox', 'analytics', 'badges', ...(can.manageOperators(me.role) ? (['operators'] as const) : []), ...(can.manageCarrierKeys(me.role) ? (['carrier-keys'] as const) : []), ...(can.manageAlerts(me.role) ? (['alerts'] as const) : []), ...(can.readAudit(me.role) ? (['audit'] as const) : [])];
  const shown = me.mustChangePassword ? 'password' : pages.includes(page) || page === 'password' ? page : 'kiosks';
  const passwordChanged = (message: string) => {
    setFlash(message);
    setMe({ ...me, mustChangePassword: false });
  };
  return (
    <>
      <header className="bar">
        <span className="brand">Locker console</span>
        {!me.mustChangePassword && (
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
        )}
        <div className="who">
          <span>
            {me.name} <span className="role">{me.role}</span>
          </span>
          {!me.mustChangePassword && (
            <a className="account" href="#/password" aria-current={shown === 'password' ? 'page' : undefined}>
              Change my password
            </a>
          )}
          <button type="button" className="secondary" onClick={() => void signOut(false)}>
            Sign out
          </button>
          <button type="button" className="secondary" onClick={() => void signOut(true)}>
            Sign out everywhere
          </button>
        </div>
      </header>
      <main id="main">
        <h1>{me.mustChangePassword ? 'Choose your own password' : TITLES[shown]}</h1>
        {flash && (
          <p className="notice" role="status">
            {flash}
          </p>
        )}
        {shown === 'kiosks' && <KiosksPage me={me} />}
        {shown === 'parcels' && <ParcelsPage me={me} />}
        {shown === 'inbox' && <InboxPage />}
        {shown === 'analytics' && <AnalyticsPage />}
        {shown === 'badges' && <BadgesPage me={me} />}
        {shown === 'operators' && <OperatorsPage me={me} />}
        {shown === 'carrier-keys' && <CarrierKeysPage />}
        {shown === 'alerts' && <AlertsPage />}
        {shown === 'audit' && <AuditPage />}
        {shown === 'password' && <ChangePasswordPage me={me} onChanged={passwordChanged} />}
      </main>
    </>
  );
}
