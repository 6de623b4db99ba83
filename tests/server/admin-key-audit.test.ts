import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operator } from './console-helpers';
import { admin, startTestServer, TestKiosk, type Started } from './helpers';

/**
 * Red-team 12 finding 3: the bootstrap admin key (`admin.key`) could issue badges, make enrollment tokens and cancel
 * parcels with no operator audit row. Every such action is now in the console's audit log as `admin-key`, with the
 * address it came from, like an operator's. Over real HTTP against a real fleet server, on SQLite and on PostgreSQL.
 */
let s: Started;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

interface Entry {
  action: string;
  target: string | null;
  outcome: string;
  operatorEmail: string;
  ip: string;
  detail: Record<string, unknown> | null;
}

describe('the admin key in the operator audit log', () => {
  it('badge issue and revoke, enrollment token, cancel and extend by the admin key each leave an admin-key row with its address', async () => {
    const k = await TestKiosk.enroll(s.server);
    const badge = await admin(s.server, 'POST', '/v1/badges', { role: 'technician', name: 'Shadow Tech', ttlHours: 24 * 365 });
    expect(badge.status).toBe(201);
    expect((await admin(s.server, 'POST', `/v1/badges/${badge.body.badgeId as string}/revoke`)).status).toBe(200);
    expect((await admin(s.server, 'POST', '/v1/enrollment-tokens', { ttlHours: 24 })).status).toBe(201);
    const p = await s.server.createShipment({ barcode: 'AKEY-0001', size: 'S', kioskId: k.id, recipient: { email: 'a@example.com' } });
    expect((await admin(s.server, 'POST', '/v1/shipments/AKEY-0001/extend', { days: 2 })).status).toBe(200);
    expect((await admin(s.server, 'DELETE', '/v1/shipments/AKEY-0001')).status).toBe(200);

    const adminOp = await operator(s.server, 'admin');
    const r = await adminOp.get('/console/api/audit?limit=100');
    expect(r.status).toBe(200);
    const byKey = (r.body.entries as Entry[]).filter((e) => e.operatorEmail === 'admin-key').reverse();
    expect(byKey.map((e) => [e.action, e.target, e.outcome])).toEqual([
      ['badge.issue', badge.body.badgeId, 'ok'],
      ['badge.revoke', badge.body.badgeId, 'ok'],
      ['enrollment.create', null, 'ok'],
      ['parcel.extend', p.parcelId, 'ok'],
      ['parcel.cancel', p.parcelId, 'ok'],
    ]);
    for (const e of byKey) expect(e.ip).toBe('127.0.0.1');
    expect(byKey[0]!.detail).toEqual({ role: 'technician', name: 'Shadow Tech', ttlHours: 24 * 365 });
    // Never the badge's token or the enrollment token.
    expect(JSON.stringify(byKey)).not.toContain(badge.body.token as string);
    expect(JSON.stringify(byKey)).not.toContain('lket_');
  });

  it('a refused admin-key call (nothing changed) leaves no row claiming a change', async () => {
    const before = (await s.server.query<{ n: number }>("SELECT COUNT(*) AS n FROM operator_audit WHERE operator_email = 'admin-key'"))[0]!.n;
    expect((await admin(s.server, 'DELETE', '/v1/shipments/NOPE-0001')).status).toBe(404);
    expect((await admin(s.server, 'POST', '/v1/badges/b_unknownunknown/revoke')).status).toBe(404);
    expect((await s.server.query<{ n: number }>("SELECT COUNT(*) AS n FROM operator_audit WHERE operator_email = 'admin-key'"))[0]!.n).toBe(before);
  });
});
