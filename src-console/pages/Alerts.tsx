import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { useError, when } from './util';
import './alerts.css';
import { confirmThen } from '../ui/confirm';
import { DataTable } from '../ui/DataTable';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loaded } from '../ui/Loaded';
import { OneTimeSecret } from '../ui/OneTimeSecret';
import { submitThen } from '../ui/submit';

interface Rule {
  kind: string;
  label: string;
  enabled: boolean;
  minutes: number | null;
  recipients: string[];
  updatedAt: string | null;
  updatedBy: string | null;
}
interface AlertRow {
  id: string;
  rule: string;
  kioskId: string;
  itemId: string;
  subject: string;
  createdAt: string;
  deliveries: Array<{ channel: string; address: string; status: string; attempts: number; lastError: string | null; sentAt: string | null }>;
}
interface Hook {
  keyId: string;
  carrier: string;
  prefix: string;
  url: string | null;
}
interface Delivery {
  id: number;
  carrier: string;
  event: string;
  barcode: string | null;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  nextAttemptAt: string | null;
}

/**
 * Admins: alert rules (who is mailed or texted about what), the alert log with each message's delivery, carrier
 * webhooks (URL + signing secret per carrier key) and their delivery log (ADR alerts-webhooks). An alert is
 * acknowledged on its inbox item (Problems and alarms).
 */
export function AlertsPage() {
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [notYet, setNotYet] = useState<Array<{ kind: string; label: string; why: string }>>([]);
  const [alerts, setAlerts] = useState<AlertRow[] | null>(null);
  const [hooks, setHooks] = useState<Hook[] | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ carrier: string; secret: string } | null>(null);
  const [error, report, clear] = useError();

  const load = useCallback(
    () =>
      Promise.all([
        api<{ rules: Rule[]; notYet: typeof notYet }>('GET', 'alert-rules').then((r) => {
          setRules(r.rules);
          setNotYet(r.notYet);
        }),
        api<{ alerts: AlertRow[] }>('GET', 'alerts?limit=50').then((r) => setAlerts(r.alerts)),
        api<{ webhooks: Hook[] }>('GET', 'webhooks').then((r) => setHooks(r.webhooks)),
        api<{ deliveries: Delivery[] }>('GET', 'webhooks/deliveries?limit=50').then((r) => setDeliveries(r.deliveries)),
      ]).catch(report),
    [report],
  );
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 5_000);
    return () => clearInterval(t);
  }, [load]);

  async function saveRule(e: FormEvent<HTMLFormElement>, r: Rule) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const recipients = String(f.get('recipients') ?? '')
      .split(/[\s,;]+/)
      .filter(Boolean);
    clear();
    setSaved(null);
    try {
      await api('PUT', `alert-rules/${r.kind}`, { enabled: f.get('enabled') === 'on', minutes: r.kind === 'kiosk.offline' ? Number(f.get('minutes')) : null, recipients });
      setSaved(r.label);
      await load();
    } catch (err) {
      report(err);
    }
  }
  async function setHook(e: FormEvent<HTMLFormElement>, h: Hook) {
    await submitThen(
      e,
      clear,
      async (f) => {
        const r = await api<{ secret: string }>('PUT', `carrier-keys/${h.keyId}/webhook`, { url: String(f.get('url') ?? '').trim() });
        setSecret({ carrier: h.carrier, secret: r.secret });
      },
      load,
      report,
      { reset: false },
    );
  }
  async function removeHook(h: Hook) {
    await confirmThen(`Stop ${h.carrier}'s webhook? Pending deliveries are given up.`, clear, () => api('DELETE', `carrier-keys/${h.keyId}/webhook`), load, report);
  }

  return (
    <>
      <ErrorAlert error={error} />
      <section aria-labelledby="rules">
        <h2 id="rules">Alert rules</h2>
        <p>Recipients: e-mail addresses, or phone numbers (+…) where SMS is configured. Separate them with commas.</p>
        {saved && (
          <p className="notice" role="status">
            Saved: {saved}
          </p>
        )}
        <Loaded items={rules}>
          {(rules) => (
            <ul className="rules">
              {rules.map((r) => (
                <li key={r.kind}>
                  <form className="rule" aria-label={r.label} onSubmit={(e) => void saveRule(e, r)}>
                    <h3>{r.label}</h3>
                    <label className="check">
                      <input type="checkbox" name="enabled" defaultChecked={r.enabled} /> Enabled
                    </label>
                    {r.kind === 'kiosk.offline' && (
                      <label>
                        Minutes without contact <input type="number" name="minutes" min={1} max={10080} defaultValue={r.minutes ?? 10} required />
                      </label>
                    )}
                    <label>
                      Recipients <input name="recipients" defaultValue={r.recipients.join(', ')} autoComplete="off" />
                    </label>
                    <button type="submit">Save</button>
                    {r.updatedBy && (
                      <small>
                        Changed {when(r.updatedAt)} by {r.updatedBy}
                      </small>
                    )}
                  </form>
                </li>
              ))}
              {notYet.map((n) => (
                <li key={n.kind} className="not-yet">
                  <h3>{n.label}</h3>
                  <p>{n.why}</p>
                </li>
              ))}
            </ul>
          )}
        </Loaded>
      </section>
      <section aria-labelledby="alert-log">
        <h2 id="alert-log">Alerts sent</h2>
        <Loaded items={alerts} empty={<p>No alerts yet.</p>}>
          {(alerts) => (
            <DataTable columns={['When', 'Alert', 'Delivery']} className="alert-log">
              {alerts.map((a) => (
                <tr key={a.id}>
                  <td>{when(a.createdAt)}</td>
                  <td>
                    {a.subject}
                    <br />
                    <a href="#/inbox">Acknowledge in the inbox</a>
                  </td>
                  <td>
                    {a.deliveries.length === 0
                      ? 'no recipient reachable'
                      : a.deliveries.map((d) => (
                          <span key={d.channel + d.address} className="delivery">
                            {d.address} ({d.channel}): {d.status}
                            {d.lastError ? ` (${d.lastError})` : ''}
                          </span>
                        ))}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </Loaded>
      </section>
      <section aria-labelledby="hooks">
        <h2 id="hooks">Carrier webhooks</h2>
        <p>
          Each delivery is signed: header <code>x-locker-signature: t=…,v1=…</code>, HMAC-SHA-256 of <code>t.body</code> with the secret shown when you set the URL.
        </p>
        {secret && <OneTimeSecret what="The signing secret" owner={secret.carrier} secret={secret.secret} />}
        <Loaded items={hooks} empty={<p>No active carrier keys: create one under Carrier API keys.</p>}>
          {(hooks) => (
            <ul className="rules">
              {hooks.map((h) => (
                <li key={h.keyId}>
                  <form className="rule" aria-label={`Webhook for ${h.carrier} (${h.prefix}…)`} onSubmit={(e) => void setHook(e, h)}>
                    <h3>
                      {h.carrier} <code>{h.prefix}…</code>
                    </h3>
                    <label>
                      URL <input type="url" name="url" defaultValue={h.url ?? ''} required placeholder="https://carrier.example/locker-events" />
                    </label>
                    <button type="submit">{h.url ? 'Replace (new secret)' : 'Set webhook'}</button>
                    {h.url && (
                      <button type="button" className="danger" onClick={() => void removeHook(h)}>
                        Remove
                      </button>
                    )}
                  </form>
                </li>
              ))}
            </ul>
          )}
        </Loaded>
        <h3 id="deliveries">Webhook deliveries</h3>
        <Loaded items={deliveries} empty={<p>No deliveries yet.</p>}>
          {(deliveries) => (
            <DataTable columns={['When', 'Carrier', 'Event', 'Parcel', 'Status']} className="deliveries" labelledBy="deliveries">
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{when(d.createdAt)}</td>
                  <td>{d.carrier}</td>
                  <td>{d.event.replace('_', ' ')}</td>
                  <td>{d.barcode ?? '—'}</td>
                  <td>
                    {d.status}, {d.attempts} {d.attempts === 1 ? 'attempt' : 'attempts'}
                    {d.lastStatus !== null ? `, HTTP ${d.lastStatus}` : ''}
                    {d.lastError ? ` (${d.lastError})` : ''}
                    {d.nextAttemptAt ? `; next ${when(d.nextAttemptAt)}` : ''}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </Loaded>
      </section>
    </>
  );
}
