import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { deposited, startTestServer, TestKiosk, type Started } from './helpers';

/** Issue 12's problems and alarms inbox over real HTTP against a real fleet server (SQLite and PostgreSQL runs). */
let s: Started;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

const ev = (type: string, payload: Record<string, unknown>, at = Date.now()): SyncEvent => ({ id: randomUUID(), type, occurredAt: new Date(at).toISOString(), payload }) as SyncEvent;
const codes = (reason: string) => ev('codes.failed', { windowHours: 1, keypadFailures: 12, qrFailures: 0, mode: reason === 'hardened' ? 'hardened' : 'plain', reason });

interface Item {
  id: string;
  kioskId: string;
  type: string;
  state: string;
  acknowledged: { by: string; at: string; note: string | null } | null;
  resolved: { by: string; at: string; note: string | null } | null;
  payload: Record<string, unknown>;
}

describe('problems and alarms inbox', () => {
  it('lists customer reports and alarms across kiosks (not ordinary events, not the end of an attack), newest first', async () => {
    const a = await TestKiosk.enroll(s.server);
    const b = await TestKiosk.enroll(s.server);
    const t = Date.now() - 60_000;
    const report = ev('problem.reported', { kind: 'damaged', compartmentId: 'A01', note: '<b>box crushed</b>' }, t);
    const forced = ev('door.forced_open', { compartmentId: 'B02' }, t + 1000);
    const attack = codes('hardened');
    expect((await a.events([report, deposited('p_unknownparcel1', 'NOPE-1'), codes('cleared')])).status).toBe(200);
    expect((await b.events([forced, attack, ev('pin.lockout', { windowMinutes: 15, failures: 5, pausedForMs: 300_000, reason: 'cleared' })])).status).toBe(200);
    const op = await operator(s.server, 'support');
    const r = await op.get('/console/api/inbox');
    expect(r.status).toBe(200);
    const mine = (r.body.items as Item[]).filter((i) => i.kioskId === a.id || i.kioskId === b.id);
    expect(mine.map((i) => i.id)).toEqual([attack.id, forced.id, report.id]);
    expect(mine.every((i) => i.state === 'new' && i.acknowledged === null)).toBe(true);
    expect(mine[2]!.payload).toMatchObject({ kind: 'damaged', note: '<b>box crushed</b>' });
    const onlyB = await op.get(`/console/api/inbox?kiosk=${b.id}`);
    expect((onlyB.body.items as Item[]).map((i) => i.id)).toEqual([attack.id, forced.id]);
    expect(onlyB.body.counts).toEqual({ new: 2, acknowledged: 0, resolved: 0 });
  });

  it('moves an item new → acknowledged → resolved with who, when and a note, audited; never back, never twice', async () => {
    const k = await TestKiosk.enroll(s.server);
    const left = ev('door.left_open', { compartmentId: 'C03', openForMs: 120_000 });
    expect((await k.events([left])).status).toBe(200);
    const sup = await operator(s.server, 'support');
    const adm = await operator(s.server, 'admin');
    const ack = await sup.send('POST', `/console/api/inbox/${left.id}/acknowledge`, { note: 'calling the site' });
    expect(ack.status).toBe(200);
    expect(ack.body).toEqual({ id: left.id, state: 'acknowledged' });
    expect((await adm.send('POST', `/console/api/inbox/${left.id}/acknowledge`, {})).status).toBe(409);
    let item = ((await sup.get(`/console/api/inbox?kiosk=${k.id}&state=acknowledged`)).body.items as Item[])[0]!;
    expect(item).toMatchObject({ id: left.id, state: 'acknowledged', acknowledged: { by: sup.email, note: 'calling the site' }, resolved: null });
    expect((await sup.get(`/console/api/inbox?kiosk=${k.id}&state=new`)).body.items).toEqual([]);

    expect((await adm.send('POST', `/console/api/inbox/${left.id}/resolve`, { note: 'door closed' })).status).toBe(200);
    expect((await sup.send('POST', `/console/api/inbox/${left.id}/resolve`, {})).status).toBe(409);
    expect((await sup.send('POST', `/console/api/inbox/${left.id}/acknowledge`, {})).status).toBe(409);
    expect((await sup.get(`/console/api/inbox?kiosk=${k.id}`)).body.items).toEqual([]); // open = not resolved
    item = ((await sup.get(`/console/api/inbox?kiosk=${k.id}&state=resolved`)).body.items as Item[])[0]!;
    expect(item).toMatchObject({ state: 'resolved', acknowledged: { by: sup.email }, resolved: { by: adm.email, note: 'door closed' } });
    expect(Date.parse(item.resolved!.at)).toBeGreaterThanOrEqual(Date.parse(item.acknowledged!.at));

    const log = (await adm.get('/console/api/audit?limit=50')).body.entries as Array<{ action: string; target: string; operatorEmail: string; outcome: string }>;
    const mine = log.filter((e) => e.target === left.id && e.outcome === 'ok').map((e) => [e.action, e.operatorEmail]);
    expect(mine).toEqual([
      ['problem.resolve', adm.email],
      ['problem.acknowledge', sup.email],
    ]);
  });

  it('resolves straight from new; refuses an event that is not an inbox item, an unknown id, and a move without the CSRF token', async () => {
    const k = await TestKiosk.enroll(s.server);
    const jam = ev('door.jammed', { compartmentId: 'A02' });
    const dep = deposited('p_unknownparcel2', 'NOPE-2');
    expect((await k.events([jam, dep])).status).toBe(200);
    const op = await operator(s.server, 'operator');
    expect((await op.send('POST', `/console/api/inbox/${jam.id}/resolve`, {}, { csrf: false })).status).toBe(403);
    expect((await op.get(`/console/api/inbox?kiosk=${k.id}&state=new`)).body.items).toHaveLength(1);
    expect((await op.send('POST', `/console/api/inbox/${jam.id}/resolve`, {})).status).toBe(200);
    expect((await op.get(`/console/api/inbox?kiosk=${k.id}&state=resolved`)).body.items[0]).toMatchObject({ id: jam.id, acknowledged: null });
    expect((await op.send('POST', `/console/api/inbox/${dep.id}/acknowledge`, {})).status).toBe(404);
    expect((await op.send('POST', `/console/api/inbox/${randomUUID()}/acknowledge`, {})).status).toBe(404);
    expect((await op.send('POST', `/console/api/inbox/not-a-uuid/acknowledge`, {})).status).toBe(400);
  });

  it('is behind sign-in', async () => {
    expect((await fetch(s.server.url + '/console/api/inbox')).status).toBe(401);
  });
});
