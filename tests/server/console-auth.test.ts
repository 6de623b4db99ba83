import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKOUT } from '../../src-server/auth/accounts';
import { installGuard } from '../../src-server/http/guard';
import { resolveLimits } from '../../src-server/http/limits';
import type { ServerContext } from '../../src-server/context';
import { client, operator, signIn } from './console-helpers';
import { http, startTestServer, TestKiosk, type Started } from './helpers';

/** Issue 12 sign-in and roles (ADR operator-auth), over real HTTP against a real fleet server (SQLite and PostgreSQL). */
let s: Started;
let clock = Date.now();
beforeAll(async () => {
  // Many sign-ins from one address here; the per-address budget has its own test below.
  s = await startTestServer({ now: () => clock, limits: { rate: { unauthenticatedPerAddress: 100_000 } } });
});
afterAll(() => s.stop());

const signInRaw = (email: string, password: string, headers: Record<string, string> = {}) =>
  fetch(s.server.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ email, password }) });

describe('sign-in and sessions', () => {
  it('signs in with the right password into an HttpOnly, SameSite=Strict session cookie, and not with a wrong one', async () => {
    const op = await operator(s.server, 'operator');
    const r = await signInRaw(op.email.toUpperCase(), op.password);
    expect(r.status).toBe(200);
    const set = r.headers.get('set-cookie')!;
    expect(set).toMatch(/^lk_console=[A-Za-z0-9_-]{43};/);
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\//);
    expect(set).not.toMatch(/Secure/i); // plain HTTP on loopback: a Secure cookie would never come back
    const body = (await r.json()) as { operator: { role: string; email: string }; csrfToken: string };
    expect(body.operator).toMatchObject({ role: 'operator', email: op.email });
    expect(JSON.stringify(body)).not.toMatch(/password|hash/i);
    const wrong = await signInRaw(op.email, 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe('wrong e-mail or password');
  });

  it('session fixation: a token planted before sign-in is never promoted; sign-in issues a new one and ends the old', async () => {
    const op = await operator(s.server, 'support');
    const planted = 'lk_console=' + 'A'.repeat(43);
    const r = await signInRaw(op.email, op.password, { cookie: planted });
    const fresh = /^([^;]+)/.exec(r.headers.get('set-cookie')!)![1]!;
    expect(fresh).not.toBe(planted);
    expect((await http(s.server.url + '/console/api/session', { headers: { cookie: planted } })).status).toBe(401);
    // Signing in again from a live session replaces that session too.
    const again = await signInRaw(op.email, op.password, { cookie: op.cookie });
    expect(/^([^;]+)/.exec(again.headers.get('set-cookie')!)![1]).not.toBe(op.cookie);
    expect((await op.get('/console/api/session')).status).toBe(401);
  });

  it('marks the cookie Secure when the console is reached over TLS through a trusted proxy', async () => {
    const t = await startTestServer({ limits: { trustProxy: ['127.0.0.1'] } });
    try {
      await t.server.createOperator({ email: 'tls@example.com', name: 'T', role: 'admin', password: 'correct horse battery' });
      const r = await fetch(t.server.url + '/console/api/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
        body: JSON.stringify({ email: 'tls@example.com', password: 'correct horse battery' }),
      });
      expect(r.status).toBe(200);
      expect(r.headers.get('set-cookie')).toMatch(/; Secure/);
    } finally {
      await t.stop();
    }
  });

  it('refuses a state change without the CSRF token, or with another session’s, and audits the refusal', async () => {
    const a = await operator(s.server, 'admin');
    const b = await operator(s.server, 'admin');
    const without = await a.send('POST', '/console/api/enrollment-tokens', {}, { csrf: false });
    expect(without.status).toBe(403);
    expect(without.body.error.message).toMatch(/x-csrf-token/);
    const foreign = await client(s.server, a.cookie, b.csrf).send('POST', '/console/api/enrollment-tokens', {});
    expect(foreign.status).toBe(403);
    expect((await a.send('POST', '/console/api/enrollment-tokens', {})).status).toBe(201);
    const log = (await a.get('/console/api/audit?limit=20')).body.entries as Array<{ action: string; outcome: string; operatorEmail: string; detail: { why?: string } }>;
    expect(log.filter((e) => e.action === 'enrollment.create' && e.operatorEmail === a.email).map((e) => e.outcome)).toEqual(['ok', 'refused', 'refused']);
    expect(log.find((e) => e.outcome === 'refused')!.detail.why).toBe('csrf');
  });

  it('signs out, and signs out everywhere: every session of that operator ends at once', async () => {
    const op = await operator(s.server, 'support');
    const second = await signIn(s.server, op.email, op.password);
    const third = await signIn(s.server, op.email, op.password);
    expect((await third.send('POST', '/console/api/sign-out')).status).toBe(200);
    expect((await third.get('/console/api/session')).status).toBe(401);
    expect((await op.get('/console/api/session')).status).toBe(200);
    const r = await second.send('POST', '/console/api/sign-out-everywhere');
    expect(r.body).toEqual({ sessionsEnded: 2 });
    expect((await op.get('/console/api/session')).status).toBe(401);
    expect((await second.get('/console/api/session')).status).toBe(401);
  });

  it('an idle session ends', async () => {
    const op = await operator(s.server, 'support');
    clock += 2 * 3600_000 + 1;
    expect((await op.get('/console/api/kiosks')).status).toBe(401);
  });
});

describe('per-account lockout', () => {
  it('locks an account after 5 wrong passwords (even the right one is refused), capped, audited, then lets it in', async () => {
    const op = await operator(s.server, 'operator');
    const statuses = [];
    for (let i = 0; i < LOCKOUT.lockAfter; i++) statuses.push((await signInRaw(op.email, `wrong password ${i}`)).status);
    // No "attempts left" anywhere: four plain refusals, then the lock.
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const locked = await signInRaw(op.email, op.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBe(60);
    clock += LOCKOUT.firstLockMs;
    expect((await signInRaw(op.email, op.password)).status).toBe(200);
    const admin = await operator(s.server, 'admin');
    const log = (await admin.get('/console/api/audit?limit=50')).body.entries as Array<{ action: string; operatorEmail: string; ip: string; userAgent: string }>;
    const mine = log.filter((e) => e.operatorEmail === op.email).map((e) => e.action);
    expect(mine).toContain('signin.locked');
    expect(mine).toContain('signin.while-locked');
    expect(log.find((e) => e.action === 'signin.locked')).toMatchObject({ ip: '127.0.0.1', userAgent: expect.stringMatching(/node|undici/i) });
  });

  it('sign-in spends the per-address budget for unauthenticated calls (30 a minute by default)', async () => {
    const t = await startTestServer({ limits: { rate: { unauthenticatedPerAddress: 3 } } });
    try {
      const tries = [];
      for (let i = 0; i < 4; i++) {
        const r = await fetch(t.server.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `x${i}@example.com`, password: 'p' }) });
        tries.push(r.status);
      }
      expect(tries).toEqual([401, 401, 401, 429]);
    } finally {
      await t.stop();
    }
  });

  it('doubles each later lock up to the cap', async () => {
    const op = await operator(s.server, 'operator');
    const lockFor = async () => {
      let r: Response | undefined;
      for (let i = 0; i < LOCKOUT.lockAfter; i++) r = await signInRaw(op.email, 'wrong wrong wrong');
      return Number(r!.headers.get('retry-after'));
    };
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const secs = await lockFor();
      seen.push(secs);
      clock += secs * 1000;
    }
    expect(seen).toEqual([60, 120, 240, 480, 900, 900]);
  });

  it('answers an unknown e-mail exactly like a known one, lock included (no account enumeration)', async () => {
    const statuses = [];
    for (let i = 0; i < LOCKOUT.lockAfter + 1; i++) statuses.push((await signInRaw('nobody@example.com', 'some password here')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('a disabled account cannot sign in, with the same answer as a wrong password', async () => {
    const admin = await operator(s.server, 'admin');
    const op = await operator(s.server, 'operator');
    const list = (await admin.get('/console/api/operators')).body.operators as Array<{ id: string; email: string }>;
    const id = list.find((o) => o.email === op.email)!.id;
    expect((await admin.send('PATCH', `/console/api/operators/${id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await op.get('/console/api/session')).status).toBe(401); // its sessions ended with it
    const r = await signInRaw(op.email, op.password);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe('wrong e-mail or password');
  });
});

describe('roles (one table: src-server/auth/roles.ts)', () => {
  it('support sees kiosks but cannot revoke a badge, create an enrollment token, manage operators or carrier keys', async () => {
    const support = await operator(s.server, 'support');
    const badge = await s.server.issueBadge({ role: 'driver', name: 'D' });
    expect((await support.get('/console/api/kiosks')).status).toBe(200);
    const refused = [
      await support.send('POST', `/console/api/badges/${badge.badgeId}/revoke`),
      await support.send('POST', '/console/api/enrollment-tokens', {}),
      await support.send('POST', '/console/api/badges', { role: 'driver', name: 'X', ttlHours: 1 }),
      await support.get('/console/api/operators'),
      await support.send('POST', '/console/api/operators', { email: 'x@example.com', name: 'X', role: 'admin', password: 'correct horse battery' }),
      await support.get('/console/api/carrier-keys'),
      await support.get('/console/api/audit'),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
    expect(refused[0]!.body.error.message).toBe('the support role may not badge.revoke');
    expect((await s.server.query<{ revoked_at: number | null }>('SELECT revoked_at FROM badges WHERE id = ?', [badge.badgeId]))[0]!.revoked_at).toBeNull();
  });

  it('an operator revokes a badge and creates enrollment tokens, but manages neither operators nor carrier keys', async () => {
    const op = await operator(s.server, 'operator');
    const badge = await s.server.issueBadge({ role: 'driver', name: 'D' });
    expect((await op.send('POST', `/console/api/badges/${badge.badgeId}/revoke`)).status).toBe(200);
    expect((await op.send('POST', '/console/api/enrollment-tokens', { ttlHours: 2 })).status).toBe(201);
    expect((await op.get('/console/api/operators')).status).toBe(403);
    expect((await op.get('/console/api/carrier-keys')).status).toBe(403);
  });

  it('an admin creates an operator (audited), changes a role (the old sessions end), and cannot remove the last admin', async () => {
    const admin = await operator(s.server, 'admin');
    const created = await admin.send('POST', '/console/api/operators', { email: 'New.Person@Example.com', name: 'New Person', role: 'support', password: 'correct horse battery' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'new.person@example.com', role: 'support', disabled: false });
    const dup = await admin.send('POST', '/console/api/operators', { email: 'new.person@example.com', name: 'Again', role: 'support', password: 'correct horse battery' });
    expect(dup.status).toBe(409);
    const theirs = await signIn(s.server, 'new.person@example.com', 'correct horse battery');
    expect((await admin.send('PATCH', `/console/api/operators/${created.body.id}`, { role: 'operator' })).body.role).toBe('operator');
    expect((await theirs.get('/console/api/session')).status).toBe(401);
    const stored = await s.server.query<{ password_hash: string }>('SELECT password_hash FROM operators WHERE email = ?', ['new.person@example.com']);
    expect(stored[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$/);
    // Disable every other admin, then try to demote the last one.
    for (const o of (await admin.get('/console/api/operators')).body.operators as Array<{ id: string; email: string; role: string; disabled: boolean }>) {
      if (o.role === 'admin' && o.email !== admin.email && !o.disabled) await admin.send('PATCH', `/console/api/operators/${o.id}`, { disabled: true });
    }
    const me = ((await admin.get('/console/api/operators')).body.operators as Array<{ id: string; email: string }>).find((o) => o.email === admin.email)!;
    const last = await admin.send('PATCH', `/console/api/operators/${me.id}`, { role: 'support' });
    expect(last.status).toBe(409);
    const log = (await admin.get('/console/api/audit?limit=100')).body.entries as Array<{ action: string; target: string }>;
    expect(log.find((e) => e.action === 'operator.create' && e.target === 'new.person@example.com')).toBeTruthy();
    expect(log.find((e) => e.action === 'operator.change' && e.target === 'new.person@example.com')).toBeTruthy();
  });

  it('fails closed: a console route registered without an action of the table does not start', async () => {
    const app = Fastify();
    installGuard(app, {} as ServerContext, resolveLimits());
    expect(() => app.get('/console/api/new-page', async () => ({}))).toThrow(/names no action/);
    await app.close();
  });
});

describe('per-carrier API keys', () => {
  it('are shown once, hashed at rest, scoped to their carrier’s parcels and kiosks, revocable, last use shown', async () => {
    const k1 = await TestKiosk.enroll(s.server);
    const k2 = await TestKiosk.enroll(s.server);
    const admin = await operator(s.server, 'admin');
    const mk = async (carrier: string, kiosks: string[] | null) => (await admin.send('POST', '/console/api/carrier-keys', { carrier, kiosks })).body as { id: string; key: string; prefix: string };
    const acme = await mk('Acme', null);
    const zip = await mk('Zip Post', [k2.id]);
    expect(acme.key).toMatch(/^lkc_/);
    const rows = await s.server.query<{ key_hash: string }>('SELECT key_hash FROM carrier_keys');
    expect(rows.some((r) => JSON.stringify(r).includes(acme.key.slice(4)))).toBe(false);
    expect(JSON.stringify((await admin.get('/console/api/carrier-keys')).body)).not.toContain(acme.key);

    const as = (key: string) => (method: string, p: string, body?: unknown) =>
      http(s.server.url + p, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const A = as(acme.key);
    const Z = as(zip.key);
    const ship = (barcode: string, kioskId: string) => ({ barcode, size: 'S', kioskId, recipient: { phone: '+48500100200' } });
    expect((await A('POST', '/v1/shipments', ship('ACME-1', k1.id))).status).toBe(201);
    expect((await Z('POST', '/v1/shipments', ship('ZIP-1', k2.id))).status).toBe(201);
    // Zip may deliver only to k2, and sees nothing of Acme's: every answer is the one for a parcel that does not exist.
    expect((await Z('POST', '/v1/shipments', ship('ZIP-2', k1.id))).status).toBe(404);
    expect((await Z('GET', '/v1/parcels/ACME-1')).status).toBe(404);
    expect((await Z('DELETE', '/v1/shipments/ACME-1')).status).toBe(404);
    expect((await Z('POST', '/v1/shipments/ACME-1/extend', { days: 2 })).status).toBe(404);
    expect((await A('GET', '/v1/parcels/ACME-1')).body.status).toBe('expected');
    expect((await A('GET', '/v1/parcels/ZIP-1')).status).toBe(404);
    // Fleet administration is not a carrier's.
    expect((await A('GET', '/v1/admin/kiosks')).status).toBe(401);
    expect((await A('POST', '/v1/enrollment-tokens', {})).status).toBe(401);
    // The bootstrap admin key still sees every parcel.
    expect((await as(s.server.adminKey)('GET', '/v1/parcels/ZIP-1')).status).toBe(200);
    const listed = (await admin.get('/console/api/carrier-keys')).body.keys as Array<{ id: string; lastUsedAt: string | null }>;
    expect(listed.find((k) => k.id === acme.id)!.lastUsedAt).not.toBeNull();
    expect((await admin.send('POST', `/console/api/carrier-keys/${acme.id}/revoke`)).body.revokedAt).not.toBeNull();
    expect((await A('GET', '/v1/parcels/ACME-1')).status).toBe(401);
    expect((await Z('GET', '/v1/parcels/ZIP-1')).status).toBe(200);
  });
});

describe('create-admin (npm run server -- create-admin)', () => {
  // A spawn timeout only guards against a hang: tsx compiling the server on a machine with every core busy took over 30 s.
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src-server/main.ts', 'create-admin', ...args], { encoding: 'utf8', input: input ?? '', timeout: 300_000 });
  it('prints one line on success and one line with exit 2 on a taken e-mail or a short password', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'create-admin-'));
    const db = s.databaseUrl ? ['--database-url', s.databaseUrl] : ['--data-dir', dir];
    try {
      const ok = cli(['--email', 'Root@Example.com', '--password-stdin', ...db], 'correct horse battery\n');
      expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, 'admin created: root@example.com\n', '']);
      const gen = cli(['--email', 'gen@example.com', ...db]);
      expect(gen.status).toBe(0);
      expect(gen.stdout).toMatch(/^admin created: gen@example\.com password: \S{20}\n$/);
      const taken = cli(['--email', 'root@example.com', '--password-stdin', ...db], 'correct horse battery\n');
      expect([taken.status, taken.stdout, taken.stderr]).toEqual([2, '', 'create-admin: an operator with e-mail root@example.com already exists\n']);
      const short = cli(['--email', 'x@example.com', '--password-stdin', ...db], 'short\n');
      expect([short.status, short.stderr]).toEqual([2, 'create-admin: password: at least 12 characters\n']);
      expect(cli([...db]).stderr).toBe('create-admin: --email is required\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
