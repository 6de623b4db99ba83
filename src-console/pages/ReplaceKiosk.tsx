import { useState } from 'react';
import { api, type Me } from '../api';
import { PrintableCard } from '../ui/PrintableCard';
import { Qr } from './Qr';
import { when } from './util';

interface Token {
  enrollmentToken: string;
  expiresAt: string;
  kioskId: string;
}

/**
 * "Replace this kiosk's PC" on the kiosk page (issue 12, ADR return-reenroll; admins only, as in roles.ts): a one-time
 * re-enrollment token shown once as a QR and text for the technician. The new PC enrolls with it as the SAME kiosk with a
 * new secret; from then on the old PC is refused and every parcel inside gets a new code (the recipients are sent it).
 */
export function ReplaceKiosk({ kioskId, me, report }: { kioskId: string; me: Me; report: (err: unknown) => void }) {
  const [token, setToken] = useState<Token | null>(null);
  if (me.role !== 'admin') return null;
  async function create() {
    const sure = window.confirm(
      `Create a one-time token to replace ${kioskId}'s PC? When the new PC enrolls with it, the old PC stops working and every parcel inside gets a new code (the recipients are sent it).`,
    );
    if (!sure) return;
    await api<Token>('POST', `kiosks/${encodeURIComponent(kioskId)}/reenrollment-token`, {}).then(setToken, report);
  }
  return (
    <section aria-labelledby="replace-pc">
      <h3 id="replace-pc">Replace this kiosk&apos;s PC</h3>
      {token ? (
        <PrintableCard id="reenroll-token" title={`Re-enrollment token for ${token.kioskId}`} printLabel="Print token" onDone={() => setToken(null)}>
          <Qr text={token.enrollmentToken} label={`QR code of the re-enrollment token for ${token.kioskId}`} />
          <p>
            One use, until <strong>{when(token.expiresAt)}</strong>. <code className="secret">{token.enrollmentToken}</code>
          </p>
          <p>Start the new PC with this token as its enrollment token (<code>--enrollment-token</code>) and the fleet&apos;s address (<code>--server-url</code>).</p>
        </PrintableCard>
      ) : (
        <>
          <p>For new hardware under the same kiosk id: the old PC&apos;s secret stops working once the new one enrolls, and every parcel inside gets a new code.</p>
          <button type="button" className="secondary" onClick={() => void create()}>
            Create re-enrollment token
          </button>
        </>
      )}
    </section>
  );
}
