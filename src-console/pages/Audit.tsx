import { useEffect, useState } from 'react';
import { api, type AuditEntry } from '../api';
import { useError, when } from './util';
import { DataTable } from '../ui/DataTable';

/** The operator audit log, newest first: who, what, to what, when, from where, and whether it was refused. */
export function AuditPage() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, report] = useError();
  useEffect(() => void api<{ entries: AuditEntry[] }>('GET', 'audit?limit=200').then((r) => setEntries(r.entries), report), [report]);
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!entries) return <p aria-busy="true">Loading…</p>;
  return (
    <DataTable columns={['When', 'Who', 'What', 'Target', 'Outcome', 'From']}>
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
    </DataTable>
  );
}
