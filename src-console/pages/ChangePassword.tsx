import { useState, type FormEvent } from 'react';
import { api, type Me } from '../api';
import { useError } from './util';
import { ErrorAlert } from '../ui/ErrorAlert';

/** The server's rule (src-server/auth/accounts.ts `Password`, create-admin's too); the form only says it up front. */
const MIN_LENGTH = 12;

/**
 * Change my password (ADR password-reset): the current one, then the new one twice (typed twice because nobody can
 * see it; the server checks the length and the current password). On success every other session of mine ends and
 * this one stays; `onChanged` gets the sentence to show. After an admin's reset this is the only page there is.
 */
export function ChangePasswordPage({ me, onChanged }: { me: Me; onChanged: (message: string) => void }) {
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, report, clear] = useError();

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    clear();
    const newPassword = String(f.get('new-password'));
    // Checked here, before anything is sent: a typo in a password nobody sees would lock its owner out.
    const differ = newPassword !== String(f.get('new-password-again'));
    setMismatch(differ);
    if (differ) return;
    setBusy(true);
    try {
      const r = await api<{ otherSessionsEnded: number }>('POST', 'password', { currentPassword: String(f.get('current-password')), newPassword });
      form.reset();
      const others = r.otherSessionsEnded === 0 ? 'You had no other sessions.' : `Your other ${r.otherSessionsEnded === 1 ? 'session was' : `${r.otherSessionsEnded} sessions were`} signed out.`;
      onChanged(`Password changed. ${others} This one stays signed in.`);
    } catch (err) {
      report(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="change-password">
      {me.mustChangePassword ? (
        <p className="notice" id="change-password">
          An admin reset your password. Choose your own to go on: the one you were given is only for this.
        </p>
      ) : (
        <p id="change-password">Your other sessions (another browser, another computer) are signed out when you change it; this one stays.</p>
      )}
      <form className="grid-form" onSubmit={(e) => void submit(e)} aria-describedby={mismatch ? 'password-mismatch' : undefined}>
        {/* For password managers: which account the new password belongs to. */}
        <input type="email" name="username" autoComplete="username" value={me.email} readOnly hidden />
        <label htmlFor="current-password">{me.mustChangePassword ? 'The password you were given' : 'Current password'}</label>
        <input id="current-password" name="current-password" type="password" autoComplete="current-password" required maxLength={200} />
        <label htmlFor="new-password">New password ({MIN_LENGTH} or more characters)</label>
        <input id="new-password" name="new-password" type="password" autoComplete="new-password" required minLength={MIN_LENGTH} maxLength={200} />
        <label htmlFor="new-password-again">New password again</label>
        <input id="new-password-again" name="new-password-again" type="password" autoComplete="new-password" required minLength={MIN_LENGTH} maxLength={200} aria-invalid={mismatch || undefined} />
        <button type="submit" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
      <div aria-live="polite">
        {mismatch && (
          <p id="password-mismatch" className="error" role="alert">
            The two new passwords are not the same: type it again.
          </p>
        )}
        <ErrorAlert error={error} />
      </div>
    </section>
  );
}
