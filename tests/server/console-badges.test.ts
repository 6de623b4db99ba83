import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operator } from './console-helpers';
import { startTestServer, type Started } from './helpers';

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
