import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, type CarrierKey } from '../api';
import { useError, when } from './util';
import { confirmThen } from '../ui/confirm';
import { DataTable } from '../ui/DataTable';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loaded } from '../ui/Loaded';
import { OneTimeSecret } from '../ui/OneTimeSecret';
import { submitThen } from '../ui/submit';

/** Admins: a key per carrier (shown once), which kiosks it may use, revoke, last use. */
export function CarrierKeysPage() {
  const [keys, setKeys] = useState<CarrierKey[] | null>(null);
  const [created, setCreated] = useState<{ carrier: string; key: string } | null>(null);
  const [error, report, clear] = useError();
  const load = useCallback(() => api<{ keys: CarrierKey[] }>('GET', 'carrier-keys').then((r) => setKeys(r.keys), report), [report]);
  useEffect(() => void load(), [load]);

  async function create(e: FormEvent<HTMLFormElement>) {
    await submitThen(
      e,
      clear,
      async (f) => {
        const kiosks = String(f.get('kiosks'))
          .split(/[\s,]+/)
          .filter(Boolean);
        const k = await api<CarrierKey & { key: string }>('POST', 'carrier-keys', { carrier: String(f.get('carrier')), kiosks: kiosks.length ? kiosks : null });
        setCreated({ carrier: k.carrier, key: k.key });
      },
      load,
      report,
    );
  }
  async function revoke(k: CarrierKey) {
    await confirmThen(`Revoke ${k.carrier}'s key ${k.prefix}…? Requests with it are refused from now on.`, clear, () => api('POST', `carrier-keys/${k.id}/revoke`), load, report);
  }

  return (
    <>
      <section aria-labelledby="new-key">
        <h2 id="new-key">New carrier key</h2>
        <form className="grid-form" onSubmit={(e) => void create(e)}>
          <label htmlFor="ck-carrier">Carrier</label>
          <input id="ck-carrier" name="carrier" required maxLength={60} autoComplete="off" />
          <label htmlFor="ck-kiosks">Kiosks it may deliver to (ids, blank = all)</label>
          <input id="ck-kiosks" name="kiosks" autoComplete="off" />
          <button type="submit">Create key</button>
        </form>
      </section>
      {created && <OneTimeSecret what="The key" owner={created.carrier} secret={created.key} />}
      <ErrorAlert error={error} />
      <section aria-labelledby="all-keys">
        <h2 id="all-keys">Keys</h2>
        <Loaded items={keys} empty={<p>No carrier keys yet.</p>}>
          {(keys) => (
            <DataTable columns={['Carrier', 'Key', 'Kiosks', 'Created', 'Last used', 'Status']}>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.carrier}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.kiosks ? k.kiosks.join(', ') : 'all'}</td>
                  <td>
                    {when(k.createdAt)}
                    <br />
                    <small>by {k.createdBy}</small>
                  </td>
                  <td>{when(k.lastUsedAt)}</td>
                  <td>
                    {k.revokedAt ? (
                      `Revoked ${when(k.revokedAt)}`
                    ) : (
                      <button type="button" className="danger" onClick={() => void revoke(k)} aria-label={`Revoke ${k.carrier} key ${k.prefix}`}>
                        Revoke
                      </button>
                    )}
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
