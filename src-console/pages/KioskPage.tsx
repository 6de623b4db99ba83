import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Kiosk, type Me } from '../api';
import './kiosk.css';
import { ago, useError, when } from './util';
import { DataTable } from '../ui/DataTable';
import { DiskUse } from '../ui/DiskUse';
import { ErrorAlert } from '../ui/ErrorAlert';
import { ReplaceKiosk } from './ReplaceKiosk';

type CellStatus = 'free' | 'occupied' | 'expired' | 'out_of_service';
interface Cell {
  id: string;
  size: string;
  status: CellStatus;
  door: 'open' | 'closed' | 'unknown';
}
interface Command {
  commandId: string;
  op: 'door.open' | 'compartment.out_of_service' | 'compartment.in_service';
  compartmentId: string;
  reason: string;
  operatorEmail: string;
  issuedAt: string;
  status: 'pending' | 'expired' | 'executed' | 'refused' | 'door_fault';
  resultReason: string | null;
  resultDetail: { parcelBarcode?: string } | null;
}
interface Detail {
  kiosk: Kiosk;
  compartments: Cell[] | null;
  events: Array<{ id: string; type: string; occurredAt: string; payload: Record<string, unknown> }>;
  commands: Command[];
  /** IANA zone set at enrollment: recipients' deadlines are written in it. */
  timeZone: string;
}
type Ask = { kind: 'open' | 'out' | 'back'; compartmentId: string };

const STATUS: Record<CellStatus, string> = { free: 'Free', occupied: 'Occupied', expired: 'Expired parcel', out_of_service: 'Out of service' };
const OP: Record<Command['op'], string> = { 'door.open': 'Open door', 'compartment.out_of_service': 'Out of service', 'compartment.in_service': 'Back in service' };
const RESULT: Record<Command['status'], string> = { pending: 'Waiting for the kiosk', expired: 'Expired (never ran)', executed: 'Done', refused: 'Refused by the kiosk', door_fault: 'Door fault' };
/** Roles as the server's table decides them (roles.ts); here only to hide what would be refused. */
const mayOpen = (me: Me) => me.role === 'admin';
const mayService = (me: Me) => me.role !== 'support';

/**
 * One kiosk (issue 12, ADR remote-commands): its compartment grid as of the last heartbeat (refreshed every 3 s),
 * out of service / back (operator and admin), a remote door open (admin: reason and confirmation), the command
 * history with the kiosk's results, and its recent alarms and problem reports.
 */
export function KioskPage({ kioskId, me }: { kioskId: string; me: Me }) {
  const [d, setD] = useState<Detail | null>(null);
  const [error, report, clear] = useError();
  const [ask, setAsk] = useState<Ask | null>(null);
  const load = useCallback(() => api<Detail>('GET', `kiosks/${encodeURIComponent(kioskId)}`).then(setD).catch(report), [kioskId, report]);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 3000);
    return () => clearInterval(t);
  }, [load]);

  if (!d) return error ? <p className="error" role="alert">{error}</p> : <p aria-busy="true">Loading…</p>;
  const k = d.kiosk;
  return (
    <>
      <p>
        <a href="#/kiosks">All kiosks</a>
      </p>
      <h2>
        Kiosk <code>{k.kioskId}</code>
      </h2>
      <p className="summary">
        <span className={k.online ? 'status on' : 'status off'}>{k.online ? 'Online' : 'Offline'}</span> · heartbeat {ago(k.heartbeatAgeMs)} · version {k.version ?? '—'} ·
        outbox {k.outboxDepth ?? '—'} · time zone <span data-testid="kiosk-time-zone">{d.timeZone}</span> · disk <DiskUse disk={k.disk} />
      </p>
      <ErrorAlert error={error} />
      <h3>Compartments</h3>
      {d.compartments === null ? (
        <p>This kiosk does not report its compartments (an older version).</p>
      ) : (
        <ul className="cgrid" aria-label="Compartments">
          {d.compartments.map((c) => (
            <li key={c.id} className={`cell st-${c.status}`}>
              <span className="cid">
                {c.id} <small>{c.size}</small>
              </span>
              <span>{STATUS[c.status]}</span>
              <small>door {c.door}</small>
              {mayService(me) && (
                <button type="button" className="secondary" onClick={() => setAsk({ kind: c.status === 'out_of_service' ? 'back' : 'out', compartmentId: c.id })}>
                  {c.status === 'out_of_service' ? `Back in service ${c.id}` : `Out of service ${c.id}`}
                </button>
              )}
              {mayOpen(me) && (
                <button type="button" onClick={() => setAsk({ kind: 'open', compartmentId: c.id })}>
                  Open door {c.id}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ReplaceKiosk kioskId={kioskId} me={me} report={report} />
      <h3>Commands</h3>
      {d.commands.length === 0 ? <p>No commands sent to this kiosk.</p> : <CommandTable commands={d.commands} />}
      <h3>Alarms and problem reports</h3>
      {d.events.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {d.events.map((e) => (
            <li key={e.id}>
              {when(e.occurredAt)} · <strong>{e.type}</strong> {typeof e.payload.compartmentId === 'string' ? e.payload.compartmentId : ''}{' '}
              {typeof e.payload.note === 'string' ? `: ${e.payload.note}` : ''}
            </li>
          ))}
        </ul>
      )}
      {ask && (
        <CommandDialog
          ask={ask}
          onClose={() => setAsk(null)}
          onSend={async (reason) => {
            clear();
            const path = `kiosks/${encodeURIComponent(kioskId)}/${ask.kind === 'open' ? 'door-open' : 'compartment-service'}`;
            const body = ask.kind === 'open' ? { compartmentId: ask.compartmentId, reason, confirm: true } : { compartmentId: ask.compartmentId, inService: ask.kind === 'back', reason };
            await api('POST', path, body).catch(report);
            setAsk(null);
            await load();
          }}
        />
      )}
    </>
  );
}

function CommandTable({ commands }: { commands: Command[] }) {
  return (
    <DataTable columns={['Sent', 'Command', 'By', 'Reason', 'Result']} caption="Commands">
      {commands.map((c) => (
        <tr key={c.commandId}>
          <td>{when(c.issuedAt)}</td>
          <td>
            {OP[c.op]} {c.compartmentId}
          </td>
          <td>{c.operatorEmail}</td>
          <td>{c.reason}</td>
          <td className={c.status === 'refused' || c.status === 'door_fault' ? 'refused' : undefined}>
            {RESULT[c.status]}
            {c.resultReason ? ` (${c.resultReason})` : ''}
            {c.resultDetail?.parcelBarcode ? ` · parcel ${c.resultDetail.parcelBarcode} inside: inspect it` : ''}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** The reason and the confirmation every command needs; opening a door says what it means first. */
function CommandDialog({ ask, onClose, onSend }: { ask: Ask; onClose: () => void; onSend: (reason: string) => Promise<void> }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const title = ask.kind === 'open' ? `Open door ${ask.compartmentId}?` : ask.kind === 'out' ? `Take ${ask.compartmentId} out of service?` : `Put ${ask.compartmentId} back in service?`;
  return (
    <dialog ref={ref} className="cmd-dialog" aria-labelledby="cmd-title" onClose={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void onSend(reason.trim()).finally(() => setBusy(false));
        }}
      >
        <h2 id="cmd-title">{title}</h2>
        {ask.kind === 'open' && (
          <p className="warn-box">
            The door unlocks at the kiosk within seconds, whoever stands there. Any parcel inside is then flagged for inspection. This is recorded with your name
            and reason, here and at the kiosk.
          </p>
        )}
        <label htmlFor="cmd-reason">Reason (required)</label>
        <textarea id="cmd-reason" required minLength={3} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
        <div className="actions">
          <button type="submit" disabled={busy || reason.trim().length < 3}>
            {ask.kind === 'open' ? `Yes, open door ${ask.compartmentId}` : 'Send to the kiosk'}
          </button>
          <button type="button" className="secondary" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
