import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { useError, when } from './util';
import './alerts.css';

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
    e.preventDefault();
    const url = String(new FormData(e.currentTarget).get('url') ?? '').trim();
    clear();
    try {
      const r = await api<{ secret: string }>('PUT', `carrier-keys/${h.keyId}/webhook`, { url });
      setSecret({ carrier: h.carrier, secret: r.secret });
      await load();
    } catch (err) {
      report(err);
    }
  }
  async function removeHook(h: Hook) {
    if (!window.confirm(`Stop ${h.carrier}'s webhook? Pending deliveries are given up.`)) return;
    clear();
    await api('DELETE', `carrier-keys/${h.keyId}/webhook`).then(load, report);
  }

  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="rules">
        <h2 id="rules">Alert rules</h2>
        <p>Recipients: e-mail addresses, or phone numbers (+…) where SMS is configured. Separate them with commas.</p>
        {saved && (
          <p className="notice" role="status">
            Saved: {saved}
          </p>
        )}
        {!rules ? (
          <p aria-busy="true">Loading…</p>
        ) : (
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
      </section>
      <section aria-labelledby="alert-log">
        <h2 id="alert-log">Alerts sent</h2>
        {!alerts ? (
          <p aria-busy="true">Loading…</p>
        ) : alerts.length === 0 ? (
          <p>No alerts yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="alert-log">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Alert</th>
                  <th scope="col">Delivery</th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="hooks">
        <h2 id="hooks">Carrier webhooks</h2>
        <p>
          Each delivery is signed: header <code>x-locker-signature: t=…,v1=…</code>, HMAC-SHA-256 of <code>t.body</code> with the secret shown when you set the URL.
        </p>
        {secret && (
          <div className="notice" role="status">
            <p>
              The signing secret for <strong>{secret.carrier}</strong>. Copy it now: it is not shown again.
            </p>
            <p>
              <code className="secret">{secret.secret}</code>
            </p>
          </div>
        )}
        {!hooks ? (
          <p aria-busy="true">Loading…</p>
        ) : hooks.length === 0 ? (
          <p>No active carrier keys: create one under Carrier API keys.</p>
        ) : (
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
        <h3 id="deliveries">Webhook deliveries</h3>
        {!deliveries ? (
          <p aria-busy="true">Loading…</p>
        ) : deliveries.length === 0 ? (
          <p>No deliveries yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="deliveries" aria-labelledby="deliveries">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Carrier</th>
                  <th scope="col">Event</th>
                  <th scope="col">Parcel</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
