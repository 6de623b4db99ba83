import { useCallback, useState, type FormEvent } from 'react';
import type { ParcelSummary, TimelineEntry } from '../../src-shared/parcels';
import { api, type Me } from '../api';
import { useError, when } from './util';
import './parcels.css';
import { DataTable } from '../ui/DataTable';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PersonalData } from './PersonalData';

interface ParcelDetail {
  parcel: ParcelSummary;
  pickupWindowDays: number;
  timeline: TimelineEntry[];
  messages?: number;
  returnOutcome?: 'cancelled' | 'awaiting_collection';
}

/**
 * When a change of code reaches the locker: the kiosk learns it from its manifest at its next sync (push: a second or
 * two; polling: 15 s; offline: when it is back), and until then the old code still opens (red-team 12 finding 5).
 */
const AT_SYNC = 'as soon as the kiosk syncs (usually within seconds; later if it is offline)';

/** What the server's role table (src-server/auth/roles.ts) allows; here only to hide buttons that would be refused. */
const mayCancel = (r: Me['role']) => r !== 'support';
const LIVE = ['expected', 'deposited', 'expired'];

/**
 * Parcels (issue 12): one search box (barcode, phone, e-mail or kiosk id; exact), the list, and one parcel with its
 * timeline and actions. "Send a new code" re-issues it (ADR code-reissue): the old code stops working at the kiosk once
 * the kiosk has synced, and the page says so (AT_SYNC).
 */
export function ParcelsPage({ me }: { me: Me }) {
  const [found, setFound] = useState<ParcelSummary[] | null>(null);
  const [open, setOpen] = useState<ParcelDetail | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, report, clear] = useError();

  async function search(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget).get('q')).trim();
    clear();
    setOpen(null);
    setNotice(null);
    await api<{ parcels: ParcelSummary[] }>('GET', `parcels?q=${encodeURIComponent(q)}`).then((r) => setFound(r.parcels), report);
  }
  const show = useCallback(
    (id: string) => {
      clear();
      setNotice(null);
      api<ParcelDetail>('GET', `parcels/${id}`).then(setOpen, report);
    },
    [clear, report],
  );
  async function act(what: 'resend' | 'extend' | 'cancel' | 'return', confirmText: string, body?: unknown) {
    if (!open || !window.confirm(confirmText)) return;
    clear();
    try {
      const d = await api<ParcelDetail>('POST', `parcels/${open.parcel.parcelId}/${what}`, body);
      setOpen(d);
      setNotice(
        what === 'resend'
          ? d.messages
            ? `A new code was sent to the recipient (${d.messages} message${d.messages === 1 ? '' : 's'}). The old code stops opening the locker ${AT_SYNC}.`
            : 'A new code was issued. The recipient gets it when the parcel is deposited.'
          : what === 'extend'
            ? 'The pickup window was extended.'
            : what === 'return'
              ? d.returnOutcome === 'cancelled'
                ? 'Marked for return to sender: it was not delivered yet, so the kiosk will refuse it and the carrier is told.'
                : `Marked for return to sender: its code stops opening the locker ${AT_SYNC}; it is on the driver's collection list, and the carrier is told once it is collected.`
              : 'The parcel was cancelled.',
      );
    } catch (err) {
      report(err);
    }
  }

  const p = open?.parcel;
  return (
    <>
      <section aria-labelledby="find">
        <h2 id="find">Find a parcel</h2>
        <form className="grid-form" role="search" onSubmit={(e) => void search(e)}>
          <label htmlFor="parcel-q">Barcode, phone, e-mail or kiosk id</label>
          <input id="parcel-q" name="q" required maxLength={200} autoComplete="off" />
          <button type="submit">Search</button>
        </form>
      </section>
      <ErrorAlert error={error} />
      {found && !open && (
        <section aria-labelledby="results">
          <h2 id="results">Results</h2>
          {found.length === 0 ? (
            <p>No parcel matches exactly.</p>
          ) : (
            <DataTable columns={['Barcode', 'Kiosk', 'Status', 'Recipient', 'Created']}>
              {found.map((f) => (
                <tr key={f.parcelId}>
                  <td>
                    <button type="button" className="link" onClick={() => show(f.parcelId)}>
                      {f.barcode}
                    </button>
                  </td>
                  <td>{f.kioskId}</td>
                  <td>{f.status}</td>
                  <td>{[f.recipientEmail, f.recipientPhone].filter(Boolean).join(', ')}</td>
                  <td>{when(f.createdAt)}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </section>
      )}
      {open && p && (
        <section aria-labelledby="parcel">
          <h2 id="parcel">
            Parcel {p.barcode} · {p.status}
          </h2>
          <dl className="facts">
            <dt>Kiosk</dt>
            <dd>{p.kioskId}</dd>
            <dt>Compartment</dt>
            <dd>{p.compartmentId ?? '—'}</dd>
            <dt>Recipient</dt>
            <dd>{[p.recipientEmail, p.recipientPhone].filter(Boolean).join(', ')}</dd>
            <dt>Pick up by</dt>
            <dd>{p.returnRequestedAt ? 'not for pickup: returning to sender' : p.expiresAt ? when(p.expiresAt) : `${open.pickupWindowDays} days after deposit`}</dd>
          </dl>
          {notice && (
            <p className="notice" role="status">
              {notice}
            </p>
          )}
          {p.returnRequestedAt && (
            <p className="notice" data-testid="return-mark">
              Marked for return to sender {when(p.returnRequestedAt)}.
            </p>
          )}
          {LIVE.includes(p.status) && !p.returnRequestedAt && (
            <div className="actions">
              <button type="button" onClick={() => void act('resend', `Send ${p.barcode}'s recipient a NEW code? The old code stops working ${AT_SYNC}.`)}>
                Send a new code
              </button>
              {p.status !== 'expired' && (
                <button type="button" className="secondary" onClick={() => void act('extend', `Give ${p.barcode} 2 more days?`, { days: 2 })}>
                  Extend by 2 days
                </button>
              )}
              {p.status === 'expected' && mayCancel(me.role) && (
                <button type="button" className="secondary" onClick={() => void act('cancel', `Cancel ${p.barcode}? The kiosk will not accept it.`)}>
                  Cancel parcel
                </button>
              )}
              {mayCancel(me.role) && (
                <button
                  type="button"
                  className="secondary"
                  onClick={() =>
                    void act(
                      'return',
                      p.status === 'expected'
                        ? `Return ${p.barcode} to sender? It is not delivered yet: the kiosk will refuse it and the carrier is told.`
                        : `Return ${p.barcode} to sender? Its code stops opening the locker ${AT_SYNC}, and it goes on the driver's collection list.`,
                    )
                  }
                >
                  Return to sender
                </button>
              )}
            </div>
          )}
          <h3>Timeline</h3>
          <ol className="timeline">
            {open.timeline.map((t, i) => (
              <li key={i}>
                <time dateTime={t.at}>{when(t.at)}</time> <strong>{t.what}</strong>
                {t.detail ? ` — ${t.detail}` : ''}
              </li>
            ))}
          </ol>
          <button type="button" className="secondary" onClick={() => setOpen(null)}>
            Back to results
          </button>
        </section>
      )}
      <PersonalData me={me} />
    </>
  );
}
