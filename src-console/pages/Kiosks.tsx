import { useEffect, useState } from 'react';
import { api, type Kiosk, type Me, type Size } from '../api';
import { KioskPage } from './KioskPage';
import { ago, useError } from './util';
import { DataTable } from '../ui/DataTable';
import { DiskUse } from '../ui/DiskUse';

const SIZES: Size[] = ['S', 'M', 'L', 'XL'];

/** `#/kiosks/K-…`: one kiosk's page (KioskPage.tsx); `#/kiosks`: the list. */
function kioskFromHash(): string | null {
  return /^#\/kiosks\/(K-[A-Za-z0-9]{8,32})$/.exec(window.location.hash)?.[1] ?? null;
}

export function KiosksPage({ me }: { me: Me }) {
  const [kioskId, setKioskId] = useState(kioskFromHash);
  useEffect(() => {
    const onHash = () => setKioskId(kioskFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return kioskId ? <KioskPage key={kioskId} kioskId={kioskId} me={me} /> : <KioskList />;
}

/** Every kiosk: online or not, free compartments per size, parcels, faults, disk, version, outbox lag, last heartbeat. Refreshes every 10 s. */
function KioskList() {
  const [data, setData] = useState<{ kiosks: Kiosk[]; notificationsWaiting: number } | null>(null);
  const [error, report] = useError();
  useEffect(() => {
    let live = true;
    const load = () =>
      api<{ kiosks: Kiosk[]; notificationsWaiting: number }>('GET', 'kiosks')
        .then((d) => live && setData(d))
        .catch(report);
    void load();
    const t = setInterval(load, 10_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [report]);
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const online = data.kiosks.filter((k) => k.online).length;
  return (
    <>
      <p className="summary">
        {data.kiosks.length} kiosks · {online} online · {data.notificationsWaiting} notifications waiting to be sent
      </p>
      {data.kiosks.length === 0 ? (
        <p>No kiosks enrolled yet.</p>
      ) : (
        <DataTable columns={['Kiosk', 'Status', 'Free (free/total)', 'Parcels', 'Faults and alarms', 'Disk', 'Version', 'Outbox lag']} caption="Kiosks">
          {data.kiosks.map((k) => (
            <tr key={k.kioskId}>
              <td>
                <a href={`#/kiosks/${k.kioskId}`}>
                  <code>{k.kioskId}</code>
                </a>
                <br />
                <small>{k.layoutName ?? ''}</small>
              </td>
              <td>
                <span className={k.online ? 'status on' : 'status off'}>{k.online ? 'Online' : 'Offline'}</span>
                <br />
                <small>
                  heartbeat {ago(k.heartbeatAgeMs)}
                  {k.presence ? ` · push ${k.presence === 'online' ? 'connected' : 'disconnected'}` : ''}
                </small>
              </td>
              <td>{k.freeBySize ? SIZES.map((s) => `${s} ${k.freeBySize![s]}/${k.capacity[s]}`).join(' · ') : '—'}</td>
              <td>
                {k.expected} expected · {k.inLocker} in locker
              </td>
              <td>
                {k.faults.length === 0 ? (
                  'none'
                ) : (
                  <ul className="faults">
                    {k.faults.map((f, i) => (
                      <li key={i}>
                        <strong>{f.code}</strong>
                        {f.compartmentId ? ` ${f.compartmentId}` : ''}
                        {f.message ? `: ${f.message}` : ''}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td>
                <DiskUse disk={k.disk} />
              </td>
              <td>{k.version ?? '—'}</td>
              <td>{k.outboxDepth === null ? '—' : `${k.outboxDepth} events`}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
