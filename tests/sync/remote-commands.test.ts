import { afterEach, describe, expect, it } from 'vitest';
import { createSync } from '../../src-main/sync/index';
import { operator } from '../server/console-helpers';
import { FAST_SYNC, startKiosk, startServer, until, type Kiosk } from './helpers';

/**
 * Remote commands end to end (issue 12, ADR remote-commands): a real kiosk core (simulated board, SQLite) syncing with
 * a real fleet server on loopback (SQLite here, PostgreSQL in the `postgres` project).
 */
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

type Cmd = { commandId: string; status: string; resultReason: string | null; resultDetail: unknown };

async function setup(serverNow?: () => number) {
  const server = await startServer(serverNow ? { now: serverNow } : {});
  cleanup.push(() => server.close());
  const k: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
  cleanup.push(() => k.close());
  await k.core.ctx.sync.syncNow();
  const admin = await operator(server, 'admin');
  const command = async (id: string): Promise<Cmd | undefined> =>
    ((await admin.get(`/console/api/kiosks/${k.kioskId()}`)).body.commands as Cmd[]).find((c) => c.commandId === id);
  const audit = (action: string) => k.core.ctx.services.repos.audit.recent(200).filter((a) => a.action === action);
  const results = () =>
    (k.core.ctx.db.prepare(`SELECT payload FROM outbox WHERE type = 'command.result' ORDER BY rowid`).all() as Array<{ payload: string }>).map(
      (r) => JSON.parse(r.payload) as { commandId: string; outcome: string; reason?: string },
    );
  return { server, k, admin, command, audit, results };
}

describe('remote commands reach a real kiosk', () => {
  it('an admin opens a door: the kiosk verifies, journals and opens it, audits the operator and reason, and reports back', async () => {
    const { k, admin, command, audit } = await setup();
    const r = await admin.send('POST', `/console/api/kiosks/${k.kioskId()}/door-open`, { compartmentId: 'A02', reason: 'customer locked out', confirm: true });
    expect(r.status).toBe(201);
    await k.core.ctx.sync.syncNow();
    await until(() => k.core.ctx.simulator!.door('A02').open, 5000, 'the simulated door to open');
    await until(async () => (await command(r.body.commandId))?.status === 'executed', 5000, 'the server to hear the result');
    const entry = audit('remote.open_door')[0]!;
    expect(entry.actor).toBe(`operator:${(await admin.get('/console/api/session')).body.operator.id}`);
    expect(JSON.parse(entry.detail)).toMatchObject({ commandId: r.body.commandId, compartmentId: 'A02', reason: 'customer locked out', operator: admin.email });
  });

  it('a replayed and a tampered command are refused, audited and reported; the change happens once', async () => {
    const { k, admin, audit, results } = await setup();
    const signed = await issueAndPeek(k, admin, 'A05');
    expect(await k.core.ctx.services.remote.run(signed)).toMatchObject({ outcome: 'executed' });
    expect(k.core.ctx.services.repos.compartments.get('A05')!.inService).toBe(false);
    k.core.ctx.services.repos.compartments.setService('A05', true, null); // back by hand: a replay must not take it out again
    const replay = await k.core.ctx.services.remote.run(signed);
    expect(replay).toMatchObject({ outcome: 'refused', reason: 'replayed' });
    const [head, claims, sig] = signed.token.split('.');
    const forged = JSON.parse(Buffer.from(claims!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = { commandId: signed.commandId, token: `${head}.${Buffer.from(JSON.stringify({ ...forged, cid: 'c_forgedforged01', cmp: 'A01' })).toString('base64url')}.${sig}` };
    expect(await k.core.ctx.services.remote.run(tampered)).toMatchObject({ outcome: 'refused', reason: 'invalid' });
    expect(k.core.ctx.services.repos.compartments.get('A05')!.inService).toBe(true);
    expect(k.core.ctx.services.repos.compartments.get('A01')!.inService).toBe(true);
    expect(audit('remote.command_refused').map((a) => JSON.parse(a.detail).refused).sort()).toEqual(['invalid', 'replayed']);
    expect(results().filter((x) => x.outcome === 'refused').map((x) => x.reason).sort()).toEqual(['invalid', 'replayed']);
  });

  it('an offline kiosk runs an unexpired command when back, and refuses (and reports) an expired one', async () => {
    let offset = 0;
    const { k, admin, command } = await setup(() => Date.now() + offset);
    await k.core.ctx.sync.close(); // offline: nothing fetched
    offset = -11 * 60_000; // issued 11 minutes ago: expired by the time the kiosk sees it (10-minute life)
    const old = await admin.send('POST', `/console/api/kiosks/${k.kioskId()}/door-open`, { compartmentId: 'A03', reason: 'stale request', confirm: true });
    offset = 0;
    const fresh = await admin.send('POST', `/console/api/kiosks/${k.kioskId()}/door-open`, { compartmentId: 'A04', reason: 'fresh request', confirm: true });
    expect([old.status, fresh.status]).toEqual([201, 201]);
    k.core.ctx.sync = await createSync(k.core.ctx, FAST_SYNC); // back online
    await until(async () => (await command(fresh.body.commandId))?.status === 'executed', 8000, 'the fresh command to run');
    await until(async () => (await command(old.body.commandId))?.status === 'refused', 8000, 'the expired command to be refused');
    expect((await command(old.body.commandId))?.resultReason).toBe('expired');
    expect(k.core.ctx.simulator!.door('A04').open).toBe(true);
    expect(k.core.ctx.simulator!.door('A03').open).toBe(false);
  });
});

/** Issues an out-of-service command and reads its signed token from the kiosk's queue, as the kiosk's fetch would. */
async function issueAndPeek(k: Kiosk, admin: Awaited<ReturnType<typeof operator>>, compartmentId: string) {
  await k.core.ctx.sync.close(); // keep the kiosk from fetching it first
  const r = await admin.send('POST', `/console/api/kiosks/${k.kioskId()}/compartment-service`, { compartmentId, inService: false, reason: 'replay test' });
  const { SyncHttp } = await import('../../src-main/sync/http');
  const { CommandsResponse } = await import('../../src-shared/sync-protocol');
  const e = k.core.ctx.services.repos.enrollment;
  const http = new SyncHttp({ baseUrl: k.core.ctx.config.server.url!, now: () => Date.now(), timeoutMs: 2000 });
  const res = await http.signed({ kioskId: e.kioskId()!, secret: e.getKioskSecret()! }, 'GET', `/v1/kiosks/${e.kioskId()}/commands`, undefined, CommandsResponse);
  const found = res.commands.find((c) => c.commandId === r.body.commandId);
  if (!found) throw new Error('command not in the queue');
  return found;
}
