import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKOUT } from '../../src-server/auth/accounts';
import { operator } from './console-helpers';
import { startTestServer, type Started } from './helpers';

/**
 * Red-team 12 finding 2: the lockout held for attempts in a row but not for attempts at once. The lock was read before
 * the slow argon2 hash and the failure written after it, so N parallel wrong passwords were all hashed and checked.
 * Now each attempt is counted before its hash: at most LOCKOUT.lockAfter passwords are checked per window, whatever
 * the concurrency. Over real HTTP against a real fleet server, on SQLite and on PostgreSQL.
 */
let s: Started;
let clock = Date.now();
beforeAll(async () => {
  // One address sends every attempt here; the per-address budget is not what this test is about.
  s = await startTestServer({ now: () => clock, limits: { rate: { unauthenticatedPerAddress: 100_000 } } });
});
afterAll(() => s.stop());

const signIn = (email: string, password: string) =>
  fetch(s.server.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });

describe('lockout under concurrent sign-ins', () => {
  it('20 wrong passwords at once: at most lockAfter are checked, one lock starts, then even the right password is refused as locked', async () => {
    const op = await operator(s.server, 'operator');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn(op.email, `wrong password ${i}`).then((r) => r.status)));
    // Every password checked is a 401 or the lock's first 429 (audited signin / signin.locked); the others never hashed.
    expect(answers.filter((a) => a === 401).length).toBe(LOCKOUT.lockAfter - 1);
    expect(answers.filter((a) => a === 429).length).toBe(20 - (LOCKOUT.lockAfter - 1));
    expect((await signIn(op.email, op.password)).status).toBe(429);

    const admin = await operator(s.server, 'admin');
    const log = (await admin.get('/console/api/audit?limit=200')).body.entries as Array<{ action: string; operatorEmail: string; outcome: string }>;
    // The refusals only (operator() signed it in once before).
    const mine = log.filter((e) => e.operatorEmail === op.email && e.outcome === 'refused').map((e) => e.action);
    const checked = mine.filter((a) => a === 'signin' || a === 'signin.locked');
    expect(checked.length).toBeLessThanOrEqual(LOCKOUT.lockAfter);
    expect(mine.filter((a) => a === 'signin.locked')).toHaveLength(1);
    expect(mine.filter((a) => a === 'signin.while-locked')).toHaveLength(20 - LOCKOUT.lockAfter + 1);
    // One lock, the first: not one per five failures recorded after the fact.
    const [row] = await s.server.query<{ locks: number; locked_until: number }>('SELECT locks, locked_until FROM signin_failures WHERE email = ?', [op.email]);
    expect(row).toEqual({ locks: 1, locked_until: clock + LOCKOUT.firstLockMs });

    // When the lock ends the right password gets in and clears the streak: the next wrong ones start counting afresh.
    clock += LOCKOUT.firstLockMs;
    expect((await signIn(op.email, op.password)).status).toBe(200);
    expect(await s.server.query('SELECT email FROM signin_failures WHERE email = ?', [op.email])).toEqual([]);
    expect((await signIn(op.email, 'wrong again')).status).toBe(401);
  });

  it('an e-mail typed wrong is not kept: the sweep forgets a failure streak once it is older than the lockout remembers', async () => {
    const typo = 'someone.typed.this@example.com';
    expect((await signIn(typo, 'whatever')).status).toBe(401);
    await s.server.sweep();
    expect(await s.server.query('SELECT email FROM signin_failures WHERE email = ?', [typo])).toHaveLength(1);
    // One millisecond short of forgetting, it is kept (the streak still counts); one past, it is gone.
    clock += LOCKOUT.forgetAfterMs;
    await s.server.sweep();
    expect(await s.server.query('SELECT email FROM signin_failures WHERE email = ?', [typo])).toHaveLength(1);
    clock += 1;
    await s.server.sweep();
    expect(await s.server.query('SELECT email FROM signin_failures WHERE email = ?', [typo])).toEqual([]);
  });

  it('the audit log names a refused sign-in to an e-mail no operator has only by a keyed digest, never the address typed', async () => {
    const typo = 'Jane.Doe.Typo@Example.com';
    expect((await signIn(typo, 'whatever 1')).status).toBe(401);
    expect((await signIn(` ${typo.toLowerCase()} `, 'whatever 2')).status).toBe(401);
    const op = await operator(s.server, 'operator');
    expect((await signIn(op.email, 'not the password')).status).toBe(401);
    const rows = await s.server.query<{ operator_email: string; action: string; outcome: string }>("SELECT operator_email, action, outcome FROM operator_audit WHERE action = 'signin' AND outcome = 'refused'");
    expect(JSON.stringify(rows).toLowerCase()).not.toContain('jane.doe.typo');
    const names = rows.map((r) => r.operator_email).filter((e) => e.startsWith('unknown #'));
    // One address, typed twice: one name, so a guesser hammering one address still shows as one.
    expect(names.slice(-2)).toHaveLength(2);
    expect(names.at(-1)).toMatch(/^unknown #[0-9a-f]{16}$/);
    expect(names.at(-1)).toBe(names.at(-2));
    expect(rows.map((r) => r.operator_email)).toContain(op.email);
  });
});
