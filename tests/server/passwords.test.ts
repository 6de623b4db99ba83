import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKOUT } from '../../src-server/auth/accounts';
import { operator, signIn, type ConsoleClient } from './console-helpers';
import { startTestServer, type Started } from './helpers';

/**
 * Red-team finding A (ADR 0028 password-reset): an operator changes their own password, an admin resets another's.
 * Over real HTTP against a real fleet server (SQLite and PostgreSQL), signed in as a browser would be.
 */
let s: Started;
beforeAll(async () => {
  // Many sign-ins from one address here; the per-address budget is console-auth.test's.
  s = await startTestServer({ limits: { rate: { unauthenticatedPerAddress: 100_000 } } });
});
afterAll(() => s.stop());

const NEW = 'a much better passphrase';

/** Signs in, or answers the HTTP status of the refusal. */
async function trySignIn(email: string, password: string): Promise<number> {
  const r = await fetch(s.server.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return r.status;
}
const alive = async (c: ConsoleClient) => (await c.get('/console/api/session')).status === 200;
const hashOf = async (email: string) => (await s.server.query<{ password_hash: string }>('SELECT password_hash FROM operators WHERE email = ?', [email]))[0]!.password_hash;
type Entry = { action: string; target: string | null; outcome: string; operatorEmail: string; detail: Record<string, unknown> | null };
async function auditOf(email: string): Promise<Entry[]> {
  const admin = await operator(s.server, 'admin');
  const entries = (await admin.get('/console/api/audit?limit=500')).body.entries as Entry[];
  return entries.filter((e) => e.target === email || e.operatorEmail === email);
}
async function idOf(email: string): Promise<string> {
  return (await s.server.query<{ id: string }>('SELECT id FROM operators WHERE email = ?', [email]))[0]!.id;
}

describe('change my password', () => {
  it('refuses a wrong current password and changes nothing (the old password still signs in, no session ends), audited as refused', async () => {
    const op = await operator(s.server, 'support');
    const other = await signIn(s.server, op.email, op.password);
    const before = await hashOf(op.email);
    const r = await op.send('POST', '/console/api/password', { currentPassword: 'not my password at all', newPassword: NEW });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toBe('the current password is not right: nothing was changed');
    expect(await hashOf(op.email)).toBe(before);
    expect([await alive(op), await alive(other)]).toEqual([true, true]);
    expect(await trySignIn(op.email, NEW)).toBe(401);
    expect(await trySignIn(op.email, op.password)).toBe(200);
    const refused = (await auditOf(op.email)).find((e) => e.action === 'password.change');
    expect(refused).toMatchObject({ outcome: 'refused', detail: { why: 'current password wrong' } });
  });

  it('refuses a new password shorter than 12 characters, or the current one again, and changes nothing', async () => {
    const op = await operator(s.server, 'operator');
    const before = await hashOf(op.email);
    const short = await op.send('POST', '/console/api/password', { currentPassword: op.password, newPassword: 'elevenchars' });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toBe('body.newPassword: at least 12 characters');
    const same = await op.send('POST', '/console/api/password', { currentPassword: op.password, newPassword: op.password });
    expect(same.status).toBe(400);
    expect(same.body.error.message).toBe('body.newPassword: must differ from the current password');
    expect(await hashOf(op.email)).toBe(before);
    expect(await trySignIn(op.email, op.password)).toBe(200);
  });

  it('refuses a change without the session’s CSRF token, audited, and changes nothing', async () => {
    const op = await operator(s.server, 'operator');
    const before = await hashOf(op.email);
    const r = await op.send('POST', '/console/api/password', { currentPassword: op.password, newPassword: NEW }, { csrf: false });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/x-csrf-token/);
    expect(await hashOf(op.email)).toBe(before);
    expect((await auditOf(op.email)).find((e) => e.action === 'password.change')).toMatchObject({ outcome: 'refused', detail: { why: 'csrf' } });
  });

  it('changes it: the old password no longer signs in, the new one does, every other session ends and this one stays; audited without a password', async () => {
    const op = await operator(s.server, 'support');
    const second = await signIn(s.server, op.email, op.password);
    const third = await signIn(s.server, op.email, op.password);
    const r = await op.send('POST', '/console/api/password', { currentPassword: op.password, newPassword: NEW });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ changed: true, otherSessionsEnded: 2 });
    expect([await alive(op), await alive(second), await alive(third)]).toEqual([true, false, false]);
    // The session that changed it keeps working for state changes too (same CSRF token).
    expect((await op.send('POST', '/console/api/sign-out')).status).toBe(200);
    expect(await trySignIn(op.email, op.password)).toBe(401);
    expect(await trySignIn(op.email, NEW)).toBe(200);
    expect(await hashOf(op.email)).toMatch(/^\$argon2id\$v=19\$/);
    const entries = await auditOf(op.email);
    expect(entries.find((e) => e.action === 'password.change')).toMatchObject({ outcome: 'ok', operatorEmail: op.email, target: op.email, detail: { otherSessionsEnded: 2 } });
    expect(JSON.stringify(entries)).not.toContain(NEW);
    expect(JSON.stringify(entries)).not.toContain(op.password);
  });

  it('counts a wrong current password towards the account’s lockout (a stolen session cannot guess it)', async () => {
    const op = await operator(s.server, 'operator');
    const statuses = [];
    for (let i = 0; i < LOCKOUT.lockAfter + 1; i++) statuses.push((await op.send('POST', '/console/api/password', { currentPassword: `wrong guess ${i}`, newPassword: NEW })).status);
    expect(statuses).toEqual([403, 403, 403, 403, 429, 429]);
    // Locked: even the right current password is not checked now.
    expect((await op.send('POST', '/console/api/password', { currentPassword: op.password, newPassword: NEW })).status).toBe(429);
    expect(await trySignIn(op.email, NEW)).toBe(429);
  });
});

describe('an admin resets another operator’s password', () => {
  it('support and operator may not reset anyone’s: refused, audited, nothing changes', async () => {
    const target = await operator(s.server, 'support');
    const id = await idOf(target.email);
    const before = await hashOf(target.email);
    for (const role of ['support', 'operator'] as const) {
      const them = await operator(s.server, role);
      const r = await them.send('POST', `/console/api/operators/${id}/password`);
      expect(r.status).toBe(403);
      expect(r.body.error.message).toBe(`the ${role} role may not password.reset`);
    }
    expect(await hashOf(target.email)).toBe(before);
    expect(await alive(target)).toBe(true);
    const admin = await operator(s.server, 'admin');
    const log = (await admin.get('/console/api/audit?limit=100')).body.entries as Entry[];
    expect(log.filter((e) => e.action === 'password.reset' && e.target === `/console/api/operators/${id}/password` && e.outcome === 'refused')).toHaveLength(2);
  });

  it('an admin resets it: a generated password shown once, every session of theirs ends, they must choose their own before anything else; audited', async () => {
    const admin = await operator(s.server, 'admin');
    const target = await operator(s.server, 'operator');
    const second = await signIn(s.server, target.email, target.password);
    const id = await idOf(target.email);
    const r = await admin.send('POST', `/console/api/operators/${id}/password`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ email: target.email, sessionsEnded: 2 });
    const temporary = r.body.temporaryPassword as string;
    expect(temporary).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect([await alive(target), await alive(second)]).toEqual([false, false]);
    expect(await trySignIn(target.email, target.password)).toBe(401);

    // Signed in with the temporary password: the session says so, and nothing but choosing a password is allowed.
    const fresh = await signIn(s.server, target.email, temporary);
    expect((await fresh.get('/console/api/session')).body.operator).toMatchObject({ email: target.email, mustChangePassword: true });
    expect((await fresh.get('/console/api/kiosks')).status).toBe(403);
    expect((await fresh.send('POST', '/console/api/enrollment-tokens', {})).body.error.message).toMatch(/admin reset your password/);
    const changed = await fresh.send('POST', '/console/api/password', { currentPassword: temporary, newPassword: NEW });
    expect(changed.status).toBe(200);
    expect((await fresh.get('/console/api/session')).body.operator.mustChangePassword).toBe(false);
    expect((await fresh.get('/console/api/kiosks')).status).toBe(200);
    expect(await trySignIn(target.email, temporary)).toBe(401);
    expect(await trySignIn(target.email, NEW)).toBe(200);

    // Shown once: no list or log has it.
    expect(JSON.stringify((await admin.get('/console/api/operators')).body)).not.toContain(temporary);
    const entries = await auditOf(target.email);
    expect(entries.find((e) => e.action === 'password.reset')).toMatchObject({ outcome: 'ok', operatorEmail: admin.email, target: target.email, detail: { sessionsEnded: 2 } });
    expect(entries.find((e) => e.action === 'password.change' && e.outcome === 'ok')).toMatchObject({ detail: { otherSessionsEnded: 0, afterReset: true } });
    expect(entries.find((e) => e.action === 'view' && e.outcome === 'refused')).toMatchObject({ detail: { why: 'password reset' } });
    expect(JSON.stringify(entries)).not.toContain(temporary);
  });

  it('a reset lifts the sign-in lock the operator ran into: the temporary password signs in at once', async () => {
    const admin = await operator(s.server, 'admin');
    const target = await operator(s.server, 'operator');
    for (let i = 0; i < LOCKOUT.lockAfter; i++) await trySignIn(target.email, `wrong guess ${i}`);
    expect(await trySignIn(target.email, target.password)).toBe(429);
    const r = await admin.send('POST', `/console/api/operators/${await idOf(target.email)}/password`);
    expect(r.status).toBe(200);
    expect(await trySignIn(target.email, r.body.temporaryPassword as string)).toBe(200);
  });

  it('an admin cannot reset their own (Change my password asks for the current one), nor an operator that does not exist; CSRF is required', async () => {
    const admin = await operator(s.server, 'admin');
    const own = await admin.send('POST', `/console/api/operators/${await idOf(admin.email)}/password`);
    expect(own.status).toBe(409);
    expect((await admin.send('POST', '/console/api/operators/op_AAAAAAAAAAAAAAAA/password')).status).toBe(404);
    const target = await operator(s.server, 'support');
    const before = await hashOf(target.email);
    expect((await admin.send('POST', `/console/api/operators/${await idOf(target.email)}/password`, undefined, { csrf: false })).status).toBe(403);
    expect(await hashOf(target.email)).toBe(before);
    expect(await alive(target)).toBe(true);
  });
});
