import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, can, type BadgeRow, type Me } from '../api';
import { Qr } from './Qr';
import { useError, when } from './util';
import { confirmThen } from '../ui/confirm';
import { DataTable } from '../ui/DataTable';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loaded } from '../ui/Loaded';
import { PrintableCard } from '../ui/PrintableCard';
import { submitThen } from '../ui/submit';

interface Issued {
  badgeId: string;
  name: string;
  role: 'driver' | 'technician';
  token: string;
  expiresAt: string;
}
interface Enrollment {
  enrollmentToken: string;
  expiresAt: string;
}
const VALIDITY = [
  { label: '1 day', hours: 24 },
  { label: '1 week', hours: 24 * 7 },
  { label: '30 days', hours: 24 * 30 },
  { label: '90 days', hours: 24 * 90 },
  { label: '1 year', hours: 24 * 365 },
];
const ROLE_NAME = { driver: 'Driver', technician: 'Technician' } as const;

/**
 * Badges and enrollment (issue 12): issue a driver or technician badge and print it as a QR (the kiosk's scanner
 * reads the signed token), list and revoke badges (the revocation reaches every kiosk through its manifest), and make
 * a one-time enrollment token as a QR for the technician installing a kiosk. What a role may not do is not offered;
 * the server refuses it anyway (auth/roles.ts).
 */
/** The IANA zones this browser knows (the server checks the choice again), and this browser's own as the default. */
const ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function BadgesPage({ me }: { me: Me }) {
  const [badges, setBadges] = useState<BadgeRow[] | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [error, report, clear] = useError();
  const load = useCallback(() => api<{ badges: BadgeRow[] }>('GET', 'badges').then((r) => setBadges(r.badges), report), [report]);
  useEffect(() => void load(), [load]);

  async function issue(e: FormEvent<HTMLFormElement>) {
    await submitThen(
      e,
      clear,
      async (f) => {
        const body = { name: String(f.get('name')).trim(), role: String(f.get('role')) as Issued['role'], ttlHours: Number(f.get('ttl')) };
        const b = await api<{ badgeId: string; token: string; expiresAt: string }>('POST', 'badges', body);
        setIssued({ ...b, name: body.name, role: body.role });
      },
      load,
      report,
    );
  }
  async function revoke(b: BadgeRow) {
    if (!(await confirmThen(`Revoke ${b.name}'s ${b.role} badge? Every kiosk refuses it from its next sync on.`, clear, () => api('POST', `badges/${b.badgeId}/revoke`), load, report))) return;
    if (issued?.badgeId === b.badgeId) setIssued(null);
  }
  async function enroll(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    clear();
    const f = new FormData(e.currentTarget);
    const ttlHours = Number(f.get('ttl'));
    const timeZone = String(f.get('tz') ?? '').trim();
    await api<Enrollment>('POST', 'enrollment-tokens', { ttlHours, ...(timeZone ? { timeZone } : {}) }).then(setEnrollment, report);
  }

  return (
    <>
      <ErrorAlert error={error} />
      {!can.issueBadges(me.role) && <p>Issuing and revoking badges and enrolling kiosks needs the operator or admin role.</p>}
      <div className="two-up">
        {can.issueBadges(me.role) && (
          <section aria-labelledby="new-badge">
            <h2 id="new-badge">Issue a badge</h2>
            <form className="grid-form" onSubmit={(e) => void issue(e)}>
              <label htmlFor="b-name">Name on the badge</label>
              <input id="b-name" name="name" required maxLength={80} autoComplete="off" />
              <label htmlFor="b-role">Role</label>
              <select id="b-role" name="role" defaultValue="driver">
                <option value="driver">Driver (deposits, collects expired parcels)</option>
                {can.issueTechnicianBadges(me.role) && <option value="technician">Technician (service menu)</option>}
              </select>
              <label htmlFor="b-ttl">Valid for</label>
              <select id="b-ttl" name="ttl" defaultValue={String(24 * 30)}>
                {VALIDITY.map((v) => (
                  <option key={v.hours} value={v.hours}>
                    {v.label}
                  </option>
                ))}
              </select>
              <button type="submit">Issue badge</button>
            </form>
          </section>
        )}
        {can.createEnrollment(me.role) && (
          <section aria-labelledby="new-enrollment">
            <h2 id="new-enrollment">Enroll a kiosk</h2>
            <p>A one-time token for the technician installing (or replacing) a kiosk PC: scan it on the kiosk&apos;s setup screen.</p>
            <form className="grid-form" onSubmit={(e) => void enroll(e)}>
              <label htmlFor="e-ttl">Valid for</label>
              <select id="e-ttl" name="ttl" defaultValue="24">
                <option value="4">4 hours</option>
                <option value="24">1 day</option>
                <option value="168">1 week</option>
              </select>
              <label htmlFor="e-tz">Kiosk time zone (deadlines in recipients&apos; messages)</label>
              <input id="e-tz" name="tz" list="e-tz-list" defaultValue={LOCAL_ZONE} maxLength={64} autoComplete="off" spellCheck={false} />
              <datalist id="e-tz-list">
                {ZONES.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
              <button type="submit">Create enrollment token</button>
            </form>
          </section>
        )}
      </div>
      {issued && (
        <PrintableCard
          id="issued-badge"
          title={
            <>
              {ROLE_NAME[issued.role]} badge: {issued.name}
            </>
          }
          printLabel="Print badge"
          onDone={() => setIssued(null)}
        >
          <Qr text={issued.token} label={`QR code of ${issued.name}'s ${issued.role} badge`} />
          <p>
            Valid until <strong>{when(issued.expiresAt)}</strong>. Badge <code>{issued.badgeId}</code>. Print it now: the QR is not shown again (revoke and
            issue a new one if it is lost).
          </p>
        </PrintableCard>
      )}
      {enrollment && (
        <PrintableCard id="issued-enrollment" title="Enrollment token" printLabel="Print token" onDone={() => setEnrollment(null)}>
          <Qr text={enrollment.enrollmentToken} label="QR code of the enrollment token" />
          <p>
            One use, until <strong>{when(enrollment.expiresAt)}</strong>. <code className="secret">{enrollment.enrollmentToken}</code>
          </p>
        </PrintableCard>
      )}
      <section aria-labelledby="all-badges">
        <h2 id="all-badges">Badges</h2>
        <Loaded items={badges} empty={<p>No badges yet.</p>}>
          {(badges) => (
            <DataTable columns={['Name', 'Role', 'Issued', 'Valid until', 'Status']}>
              {badges.map((b) => (
                <tr key={b.badgeId}>
                  <td>
                    {b.name}
                    <br />
                    <small>
                      <code>{b.badgeId}</code>
                    </small>
                  </td>
                  <td>{ROLE_NAME[b.role]}</td>
                  <td>{when(b.issuedAt)}</td>
                  <td>{when(b.expiresAt)}</td>
                  <td>
                    <BadgeStatus b={b} canRevoke={can.revokeBadges(me.role)} onRevoke={() => void revoke(b)} />
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

function BadgeStatus({ b, canRevoke, onRevoke }: { b: BadgeRow; canRevoke: boolean; onRevoke: () => void }) {
  if (b.revokedAt) return <span className="refused">Revoked {when(b.revokedAt)}</span>;
  if (Date.parse(b.expiresAt) <= Date.now()) return <span>Expired</span>;
  return (
    <div className="actions">
      <span className="status on">Active</span>
      {canRevoke && (
        <button type="button" className="danger" onClick={onRevoke} aria-label={`Revoke ${b.name}'s ${b.role} badge`}>
          Revoke
        </button>
      )}
    </div>
  );
}
