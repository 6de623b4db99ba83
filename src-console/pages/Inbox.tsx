import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import './inbox.css';
import { useError, when } from './util';
import { DataTable } from '../ui/DataTable';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loaded } from '../ui/Loaded';

type State = 'new' | 'acknowledged' | 'resolved';
type View = State | 'open';
interface Mark {
  by: string;
  at: string;
  note: string | null;
}
/** As GET /console/api/inbox answers (src-server/services/inbox.ts). */
export interface InboxItem {
  id: string;
  kioskId: string;
  type: 'problem.reported' | 'door.forced_open' | 'door.left_open' | 'door.jammed' | 'codes.failed' | 'pin.lockout' | 'kiosk.offline';
  occurredAt: string;
  payload: Record<string, unknown>;
  state: State;
  acknowledged: Mark | null;
  resolved: Mark | null;
}

const VIEWS: Array<[View, string]> = [
  ['open', 'Open'],
  ['new', 'New'],
  ['acknowledged', 'Acknowledged'],
  ['resolved', 'Resolved'],
];
const REPORT_KINDS: Record<string, string> = { damaged: 'parcel damaged', missing: 'parcel missing', wrong_parcel: 'wrong parcel', door_wont_open: "door won't open", other: 'other' };

/** One line a person reads for an item, and its details (every field is text: React escapes it). */
function describe(i: InboxItem): { title: string; details: string[] } {
  const p = i.payload;
  const at = typeof p.compartmentId === 'string' ? [`compartment ${p.compartmentId}`] : [];
  switch (i.type) {
    case 'problem.reported':
      return {
        title: `Customer report: ${REPORT_KINDS[String(p.kind)] ?? String(p.kind)}`,
        details: [...at, ...(p.barcode ? [`parcel ${String(p.barcode)}`] : []), ...(p.note ? [`“${String(p.note)}”`] : []), ...(p.reference ? [`ref ${String(p.reference)}`] : [])],
      };
    case 'door.forced_open':
      return { title: 'Door forced open', details: at };
    case 'door.left_open':
      return { title: 'Door left open', details: [...at, `open ${Math.round(Number(p.openForMs) / 60_000)} min`] };
    case 'door.jammed':
      return { title: 'Door jammed', details: at };
    case 'codes.failed':
      return { title: 'Code attack: keypad hardened', details: [`${String(p.keypadFailures)} wrong codes, ${String(p.qrFailures)} bad QR in ${String(p.windowHours)} h`] };
    case 'pin.lockout':
      return { title: 'Technician PIN entry paused', details: [`${String(p.failures)} wrong PINs`] };
    case 'kiosk.offline':
      // Stored by the sweep's offline alert rule (ADR alerts-webhooks), not sent by the kiosk.
      return { title: 'Kiosk offline', details: [`no contact for ${String(p.offlineMinutes)} min`, `last seen ${when(String(p.lastSeenAt))}`] };
  }
}

/** Problems and alarms across kiosks: new → acknowledged → resolved, with who and when (every role may move them). */
export function InboxPage() {
  const [view, setView] = useState<View>('open');
  const [kiosk, setKiosk] = useState('');
  const [kiosks, setKiosks] = useState<string[]>([]);
  const [data, setData] = useState<{ items: InboxItem[]; counts: Record<State, number> } | null>(null);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [error, report, clear] = useError();

  const load = useCallback(
    () => api<{ items: InboxItem[]; counts: Record<State, number> }>('GET', `inbox?state=${view}${kiosk ? `&kiosk=${encodeURIComponent(kiosk)}` : ''}`).then(setData, report),
    [view, kiosk, report],
  );
  useEffect(() => {
    void load();
    // New alarms arrive with kiosk events; a quiet refresh keeps an open inbox current without a reload.
    const t = window.setInterval(() => void load(), 15_000);
    return () => window.clearInterval(t);
  }, [load]);
  useEffect(() => void api<{ kiosks: Array<{ kioskId: string }> }>('GET', 'kiosks').then((r) => setKiosks(r.kiosks.map((k) => k.kioskId)), report), [report]);

  async function move(i: InboxItem, verb: 'acknowledge' | 'resolve') {
    clear();
    const note = notes[i.id]?.trim();
    try {
      await api('POST', `inbox/${i.id}/${verb}`, note ? { note } : {});
      setNotes((n) => ({ ...n, [i.id]: '' }));
    } catch (err) {
      report(err);
    }
    await load();
  }

  const counts = data?.counts;
  const count = (v: View) => (counts ? (v === 'open' ? counts.new + counts.acknowledged : counts[v]) : null);
  return (
    <>
      <div className="inbox-filters">
        <div role="group" aria-label="Show" className="inbox-tabs">
          {VIEWS.map(([v, label]) => (
            <button key={v} type="button" className={v === view ? '' : 'secondary'} aria-pressed={v === view} onClick={() => setView(v)}>
              {label} {count(v) !== null ? <span className="count">({count(v)})</span> : null}
            </button>
          ))}
        </div>
        <label htmlFor="inbox-kiosk">Kiosk</label>
        <select id="inbox-kiosk" value={kiosk} onChange={(e) => setKiosk(e.target.value)}>
          <option value="">All kiosks</option>
          {kiosks.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </div>
      <ErrorAlert error={error} />
      <Loaded items={data ? data.items : null} empty={<p className="summary">Nothing here.</p>}>
        {(items) => (
          <DataTable columns={['When', 'Kiosk', 'What', 'State', 'Action']} className="inbox">
            {items.map((i) => {
              const d = describe(i);
              return (
                <tr key={i.id} data-item={i.id}>
                  <td>{when(i.occurredAt)}</td>
                  <td>
                    <code>{i.kioskId}</code>
                  </td>
                  <td>
                    <strong>{d.title}</strong>
                    {d.details.length > 0 && (
                      <>
                        <br />
                        <small>{d.details.join(' · ')}</small>
                      </>
                    )}
                  </td>
                  <td>
                    <span className={`state state-${i.state}`}>{i.state}</span>
                    {[
                      ['Acknowledged', i.acknowledged],
                      ['Resolved', i.resolved],
                    ].map(([label, m]) =>
                      m && typeof m === 'object' ? (
                        <small key={label as string} className="mark">
                          {label as string} by {m.by}, {when(m.at)}
                          {m.note ? `: “${m.note}”` : ''}
                        </small>
                      ) : null,
                    )}
                  </td>
                  <td>
                    {i.state !== 'resolved' && (
                      <div className="actions">
                        <label className="visually-hidden" htmlFor={`note-${i.id}`}>
                          Note for {d.title} at {i.kioskId}
                        </label>
                        <input id={`note-${i.id}`} placeholder="Note (optional)" maxLength={500} value={notes[i.id] ?? ''} onChange={(e) => setNotes((n) => ({ ...n, [i.id]: e.target.value }))} />
                        {i.state === 'new' && (
                          <button type="button" className="secondary" onClick={() => void move(i, 'acknowledge')}>
                            Acknowledge
                          </button>
                        )}
                        <button type="button" onClick={() => void move(i, 'resolve')}>
                          Resolve
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </Loaded>
    </>
  );
}
