import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operator } from './console-helpers';
import { startTestServer, type Started } from './helpers';
import { testDialect } from './pg';

/**
 * The console's badge list (pages/Badges.tsx), over real HTTP against a real fleet server (SQLite and PostgreSQL):
 * every role may read it, it never carries a badge's token, shows revocations, and drops badges a week past expiry;
 * who may issue which badge (the role table, auth/roles.ts).
 */
let s: Started;
let clock = Date.parse('2026-03-01T10:00:00Z');
beforeAll(async () => {
  s = await startTestServer({ now: () => clock });
});
afterAll(() => s.stop());

describe('GET /console/api/badges', () => {
  it('lists badges newest first with role, name, validity and revocation, never the token; support may read it', async () => {
    const admin = await operator(s.server, 'admin');
    const issued = await admin.send('POST', '/console/api/badges', { role: 'technician', name: 'Theo <Tech>', ttlHours: 48 });
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;
    clock += 1000;
    const driver = await admin.send('POST', '/console/api/badges', { role: 'driver', name: 'Dana', ttlHours: 24 });
    expect((await admin.send('POST', `/console/api/badges/${driver.body.badgeId as string}/revoke`)).status).toBe(200);

    const support = await operator(s.server, 'support');
    const r = await support.get('/console/api/badges');
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).not.toContain(token);
    const mine = (r.body.badges as Array<Record<string, unknown>>).filter((b) => b.badgeId === issued.body.badgeId || b.badgeId === driver.body.badgeId);
    expect(mine).toEqual([
      { badgeId: driver.body.badgeId, role: 'driver', name: 'Dana', issuedAt: '2026-03-01T10:00:01.000Z', expiresAt: '2026-03-02T10:00:01.000Z', revokedAt: '2026-03-01T10:00:01.000Z' },
      { badgeId: issued.body.badgeId, role: 'technician', name: 'Theo <Tech>', issuedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-03T10:00:00.000Z', revokedAt: null },
    ]);
  });

  it('drops badges more than a week past expiry (they open nothing; the audit log keeps them)', async () => {
    const admin = await operator(s.server, 'admin');
    const old = await admin.send('POST', '/console/api/badges', { role: 'driver', name: 'Old', ttlHours: 1 });
    // A fresh session each time: a week idle ends a session (that has its own test).
    const ids = async () => ((await (await operator(s.server, 'support')).get('/console/api/badges')).body.badges as Array<{ badgeId: string }>).map((b) => b.badgeId);
    clock += 3600_000 + 6 * 86_400_000;
    expect(await ids()).toContain(old.body.badgeId);
    clock += 86_400_000 + 1;
    expect(await ids()).not.toContain(old.body.badgeId);
  });
});

describe('POST /console/api/badges: who issues which badge (red-team 12 finding 4)', () => {
  it('an operator issues a driver badge but not a technician badge (refused 403, audited, no badge made); an admin does', async () => {
    const op = await operator(s.server, 'operator');
    const count = async () => Number((await s.server.query<{ n: number }>("SELECT COUNT(*) AS n FROM badges WHERE role = 'technician'"))[0]!.n);
    const before = await count();
    const refused = await op.send('POST', '/console/api/badges', { role: 'technician', name: 'Op made tech', ttlHours: 24 * 366 });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('the operator role may not badge.issue.technician');
    expect((await op.send('POST', '/console/api/badges', { role: 'technician', name: 'Short one', ttlHours: 1 })).status).toBe(403);
    expect(await count()).toBe(before);
    expect((await op.send('POST', '/console/api/badges', { role: 'driver', name: 'Dora Driver', ttlHours: 24 * 30 })).status).toBe(201);

    const admin = await operator(s.server, 'admin');
    expect((await admin.send('POST', '/console/api/badges', { role: 'technician', name: 'Theo Tech', ttlHours: 24 })).status).toBe(201);
    expect(await count()).toBe(before + 1);
    const log = (await admin.get('/console/api/audit?limit=50')).body.entries as Array<{ action: string; operatorEmail: string; outcome: string; detail: unknown }>;
    expect(log.filter((e) => e.operatorEmail === op.email && e.outcome === 'refused').map((e) => [e.action, e.detail])).toEqual([
      ['badge.issue.technician', { why: 'role', role: 'operator' }],
      ['badge.issue.technician', { why: 'role', role: 'operator' }],
    ]);
  });
});

/**
 * A database trigger that refuses the audit row of one action, as a full disk or a lost connection at that instant
 * would: the change it records must not commit without it. Returns the undo.
 */
async function refuseAudit(action: string): Promise<() => Promise<void>> {
  if (testDialect() === 'postgres') {
    await s.server.query(
      `CREATE FUNCTION lk_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN IF NEW.action = '${action}' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $f$`,
    );
    await s.server.query('CREATE TRIGGER lk_refuse_audit BEFORE INSERT ON operator_audit FOR EACH ROW EXECUTE FUNCTION lk_refuse_audit()');
    return async () => {
      await s.server.query('DROP TRIGGER lk_refuse_audit ON operator_audit');
      await s.server.query('DROP FUNCTION lk_refuse_audit()');
    };
  }
  await s.server.query(`CREATE TRIGGER lk_refuse_audit BEFORE INSERT ON operator_audit WHEN NEW.action = '${action}' BEGIN SELECT RAISE(ABORT, 'audit refused'); END`);
  return async () => void (await s.server.query('DROP TRIGGER lk_refuse_audit'));
}

describe('a badge change and its audit entry commit together (red team 12: the console wrote them apart)', () => {
  it('when the audit row cannot be written, no badge is issued and none is revoked', async () => {
    const admin = await operator(s.server, 'admin');
    const badges = async () => (await s.server.query<{ id: string; revoked_at: number | null }>('SELECT id, revoked_at FROM badges ORDER BY id'));
    const before = await badges();
    let undo = await refuseAudit('badge.issue');
    try {
      expect((await admin.send('POST', '/console/api/badges', { role: 'driver', name: 'Unaudited', ttlHours: 24 })).status).toBe(500);
    } finally {
      await undo();
    }
    expect(await badges()).toEqual(before);

    const made = await admin.send('POST', '/console/api/badges', { role: 'driver', name: 'Audited', ttlHours: 24 });
    expect(made.status).toBe(201);
    undo = await refuseAudit('badge.revoke');
    try {
      expect((await admin.send('POST', `/console/api/badges/${made.body.badgeId as string}/revoke`)).status).toBe(500);
    } finally {
      await undo();
    }
    expect((await badges()).find((b) => b.id === made.body.badgeId)?.revoked_at).toBeNull();

    const tokens = async () => Number((await s.server.query<{ n: number }>('SELECT COUNT(*) AS n FROM enrollment_tokens'))[0]!.n);
    const tokensBefore = await tokens();
    undo = await refuseAudit('enrollment.create');
    try {
      expect((await admin.send('POST', '/console/api/enrollment-tokens', { ttlHours: 1 })).status).toBe(500);
    } finally {
      await undo();
    }
    expect(await tokens()).toBe(tokensBefore);
  });
});
