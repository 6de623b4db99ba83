import { useEffect, useState } from 'react';
import { api, type AuditEntry } from '../api';
import { useError, when } from './util';

/** The operator audit log, newest first: who, what, to what, when, from where, and whether it was refused. */
export function AuditPage() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, report] = useError();
  useEffect(() => void api<{ entries: AuditEntry[] }>('GET', 'audit?limit=200').then((r) => setEntries(r.entries), report), [report]);
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!entries) return <p aria-busy="true">Loading…</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">From</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td>{e.operatorEmail}</td>
              <td>
                <code>{e.action}</code>
                {e.detail ? (
                  <>
                    <br />
                    <small>{JSON.stringify(e.detail)}</small>
                  </>
                ) : null}
              </td>
              <td>{e.target ?? '—'}</td>
              <td className={e.outcome === 'refused' ? 'refused' : ''}>{e.outcome}</td>
              <td>
                {e.ip}
                <br />
                <small className="ua">{e.userAgent}</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
