import { useState, type FormEvent } from 'react';
import { api, type Me } from '../api';
import { ErrorAlert } from '../ui/ErrorAlert';
import { useError } from './util';

interface ErasedParcel {
  parcelId: string;
  barcode: string;
  status: string;
}
interface Erasure {
  by: 'email' | 'phone';
  erased: { parcels: number; messages: number; notes: number };
  erasedParcels: ErasedParcel[];
  pending: ErasedParcel[];
}

/**
 * "Erase a recipient's personal data" on the Parcels page (issue 14, ADR personal-data; admins only, `personal.erase` in
 * roles.ts): one e-mail or phone, a confirmation, then what was erased now and which live parcels are erased when they
 * finish. The audit log records it by a keyed digest, never the address.
 */
export function PersonalData({ me }: { me: Me }) {
  const [done, setDone] = useState<Erasure | null>(null);
  const [error, report, clear] = useError();
  if (me.role !== 'admin') return null;

  async function erase(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const who = String(new FormData(e.currentTarget).get('who')).trim();
    const body = who.includes('@') ? { email: who } : { phone: who };
    if (!window.confirm(`Erase the personal data of ${who}? Finished parcels lose it now; parcels still under way lose it when they finish. This cannot be undone.`)) return;
    clear();
    setDone(null);
    await api<Erasure>('POST', 'personal-data/erase', body).then(setDone, report);
  }

  return (
    <section aria-labelledby="erase-recipient">
      <h2 id="erase-recipient">Erase a recipient&apos;s personal data</h2>
      <p>On the recipient&apos;s request: their name, e-mail, phone, message addresses and problem-report notes. Finished parcels keep only barcode, size, times and status.</p>
      <form className="grid-form" onSubmit={(e) => void erase(e)}>
        <label htmlFor="erase-who">E-mail or phone</label>
        <input id="erase-who" name="who" required maxLength={254} autoComplete="off" />
        <button type="submit" className="danger">
          Erase
        </button>
      </form>
      <ErrorAlert error={error} />
      {done && (
        <div role="status" className="notice" data-testid="erasure-result">
          <p>
            Erased now: <strong>{done.erased.parcels}</strong> finished parcel{done.erased.parcels === 1 ? '' : 's'} ({done.erased.messages} message address{done.erased.messages === 1 ? '' : 'es'}, {done.erased.notes} problem note
            {done.erased.notes === 1 ? '' : 's'}).
          </p>
          {done.pending.length > 0 ? (
            <>
              <p>Still under way, erased when they finish (their contact is needed until then):</p>
              <ul>
                {done.pending.map((p) => (
                  <li key={p.parcelId}>
                    {p.barcode} ({p.status})
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>No parcel still under way.</p>
          )}
        </div>
      )}
    </section>
  );
}
