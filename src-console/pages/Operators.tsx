import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, can, type Me, type OperatorRow, type Role } from '../api';
import { useError, when } from './util';
import { confirmThen } from '../ui/confirm';
import { DataTable } from '../ui/DataTable';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loaded } from '../ui/Loaded';
import { OneTimeSecret } from '../ui/OneTimeSecret';

const ROLES: Role[] = ['admin', 'operator', 'support'];

/**
 * Admins: create operators, change a role, disable or enable, sign someone out everywhere, reset someone's password (a
 * generated one, shown once here: ADR password-reset).
 */
export function OperatorsPage({ me }: { me: Me }) {
  const [ops, setOps] = useState<OperatorRow[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [reset, setReset] = useState<{ email: string; temporaryPassword: string } | null>(null);
  const [error, report, clear] = useError();
  const load = useCallback(() => api<{ operators: OperatorRow[] }>('GET', 'operators').then((r) => setOps(r.operators), report), [report]);
  useEffect(() => void load(), [load]);

  async function act(fn: () => Promise<unknown>, done: string) {
    clear();
    setNotice(null);
    setReset(null);
    try {
      await fn();
      setNotice(done);
      await load();
    } catch (err) {
      report(err);
    }
  }
  async function create(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const email = String(f.get('email'));
    await act(() => api('POST', 'operators', { email, name: String(f.get('name')), role: String(f.get('role')), password: String(f.get('password')) }), `Operator ${email} created.`);
    form.reset();
  }
  async function resetPassword(o: OperatorRow) {
    setNotice(null);
    setReset(null);
    await confirmThen(
      `Reset the password of ${o.email}? Their sessions end now. You get a new password to give them, once; at sign-in they must choose their own.`,
      clear,
      () => api<{ email: string; temporaryPassword: string }>('POST', `operators/${o.id}/password`).then(setReset),
      load,
      report,
    );
  }

  return (
    <>
      <section aria-labelledby="new-operator">
        <h2 id="new-operator">New operator</h2>
        <form className="grid-form" onSubmit={(e) => void create(e)}>
          <label htmlFor="op-email">E-mail</label>
          <input id="op-email" name="email" type="email" required autoComplete="off" />
          <label htmlFor="op-name">Name</label>
          <input id="op-name" name="name" required maxLength={80} autoComplete="off" />
          <label htmlFor="op-role">Role</label>
          <select id="op-role" name="role" defaultValue="support">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <label htmlFor="op-password">First password (12+ characters)</label>
          <input id="op-password" name="password" type="password" minLength={12} required autoComplete="new-password" />
          <button type="submit">Create operator</button>
        </form>
      </section>
      <div aria-live="polite">
        {notice && <p className="notice">{notice}</p>}
        {reset && (
          <OneTimeSecret what="A new password" owner={reset.email} secret={reset.temporaryPassword}>
            <p>Give it to them yourself (in person or by phone, not by e-mail). It only lets them choose their own password at sign-in.</p>
          </OneTimeSecret>
        )}
        <ErrorAlert error={error} />
      </div>
      <section aria-labelledby="all-operators">
        <h2 id="all-operators">Operators</h2>
        <Loaded items={ops}>
          {(ops) => (
            <DataTable columns={['Operator', 'Role', 'Status', 'Created', 'Actions']}>
              {ops.map((o) => (
                <tr key={o.id}>
                  <td>
                    {o.name}
                    <br />
                    <small>{o.email}</small>
                  </td>
                  <td>
                    <label className="visually-hidden" htmlFor={`role-${o.id}`}>
                      Role of {o.email}
                    </label>
                    <select id={`role-${o.id}`} value={o.role} onChange={(e) => void act(() => api('PATCH', `operators/${o.id}`, { role: e.target.value }), `${o.email} is now ${e.target.value}.`)}>
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{o.disabled ? 'Disabled' : 'Active'}</td>
                  <td>{when(o.createdAt)}</td>
                  <td>
                    <div className="actions">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => void act(() => api('PATCH', `operators/${o.id}`, { disabled: !o.disabled }), `${o.email} ${o.disabled ? 'enabled' : 'disabled'}.`)}
                      aria-label={`${o.disabled ? 'Enable' : 'Disable'} ${o.email}`}
                    >
                      {o.disabled ? 'Enable' : 'Disable'}
                    </button>
                    {o.id !== me.id && (
                      <button type="button" className="secondary" onClick={() => void act(() => api('POST', `operators/${o.id}/sign-out`), `${o.email} signed out everywhere.`)} aria-label={`Sign ${o.email} out everywhere`}>
                        Sign out everywhere
                      </button>
                    )}
                    {o.id !== me.id && can.resetPasswords(me.role) && (
                      <button type="button" className="secondary" onClick={() => void resetPassword(o)} aria-label={`Reset the password of ${o.email}`}>
                        Reset password
                      </button>
                    )}
                    </div>
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
