import { useState, type FormEvent } from 'react';
import { api, ApiError, type Me } from '../api';

/** E-mail and password; the server's message as it is (it never says whether the account exists). */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me, csrfToken: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ operator: Me; csrfToken: string }>('POST', 'sign-in', { email: String(f.get('email')), password: String(f.get('password')) });
      onSignedIn(r.operator, r.csrfToken);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The server cannot be reached.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="signin">
      <h1>Locker console</h1>
      <p>Sign in to run the locker network.</p>
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'signin-error' : undefined}>
        <label htmlFor="email">E-mail</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        {error && (
          <p id="signin-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
