import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCommand, verifyCommand } from '../../src-common/command-token';
import { generateBadgeKeyPair } from '../../src-server/auth/badges';
import { operator, type ConsoleClient } from './console-helpers';
import { startTestServer, TestKiosk, type Started } from './helpers';

/**
 * Remote commands, the server side (issue 12, ADR remote-commands), over real HTTP against a real fleet server
 * (SQLite here; PostgreSQL in the `postgres` project): who may command, what the kiosk fetches, how results settle.
 */
let s: Started;
let clock = Date.now();
let kiosk: TestKiosk;
let admin: ConsoleClient;
beforeAll(async () => {
  s = await startTestServer({ now: () => clock, limits: { rate: { unauthenticatedPerAddress: 100_000 } } });
  kiosk = await TestKiosk.enroll(s.server);
  admin = await operator(s.server, 'admin');
});
afterAll(() => s.stop());

const openDoor = (c: ConsoleClient, body: Record<string, unknown>) => c.send('POST', `/console/api/kiosks/${kiosk.id}/door-open`, body);
// Every kiosk request is signed at the test's clock (the server checks the skew against it).
const fetchQueue = () => kiosk.send('GET', `/v1/kiosks/${kiosk.id}/commands`, undefined, { now: clock });
const events = (k: TestKiosk, list: unknown[]) => k.send('POST', `/v1/kiosks/${k.id}/events`, { events: list }, { now: clock });
const heartbeat = (extra: Record<string, unknown> = {}) =>
  kiosk.send('POST', `/v1/kiosks/${kiosk.id}/heartbeat`, { freeBySize: { S: 1, M: 1, L: 1, XL: 1 }, faults: [], outboxDepth: 0, version: '0.1.0', ...extra }, { now: clock });
const result = (commandId: string, outcome: string, extra: Record<string, unknown> = {}) =>
  events(kiosk, [{ id: randomUUID(), type: 'command.result', occurredAt: new Date(clock).toISOString(), payload: { commandId, outcome, ...extra } }]);

describe('command tokens', () => {
  it('verify only with the fleet key, for the named kiosk, before expiry; a badge-style signature does not pass', () => {
    const keys = generateBadgeKeyPair();
    const other = generateBadgeKeyPair();
    const claims = { cid: 'c_abcdefgh12', kid: 'K-abcdefgh', op: 'door.open' as const, cmp: 'A01', reason: 'stuck', by: 'op_1', byEmail: 'a@b.c', iat: 1000, exp: 61_000 };
    const token = signCommand(claims, keys.privateKey);
    expect(verifyCommand(token, keys.publicKey, 'K-abcdefgh', 2000)).toEqual({ ok: true, claims });
    expect(verifyCommand(token, other.publicKey, 'K-abcdefgh', 2000).ok).toBe(false);
    expect(verifyCommand(token, keys.publicKey, 'K-otherkiosk', 2000)).toMatchObject({ ok: false, reason: 'foreign_kiosk' });
    expect(verifyCommand(token, keys.publicKey, 'K-abcdefgh', 61_000)).toMatchObject({ ok: false, reason: 'expired' });
    // Tampered claims (another compartment) under the original signature.
    const [, , sig] = token.split('.');
    const forged = `LKC1.${Buffer.from(JSON.stringify({ ...claims, cmp: 'B02' })).toString('base64url')}.${sig}`;
    expect(verifyCommand(forged, keys.publicKey, 'K-abcdefgh', 2000)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

describe('who may command (roles.ts)', () => {
  it('support and operator cannot open a door; an operator may take a compartment out of service; support may not', async () => {
    const support = await operator(s.server, 'support');
    const op = await operator(s.server, 'operator');
    const body = { compartmentId: 'A01', reason: 'customer locked out', confirm: true };
    expect((await openDoor(support, body)).status).toBe(403);
    expect((await openDoor(op, body)).status).toBe(403);
    expect((await support.send('POST', `/console/api/kiosks/${kiosk.id}/compartment-service`, { compartmentId: 'A01', inService: false, reason: 'broken hinge' })).status).toBe(403);
    const r = await op.send('POST', `/console/api/kiosks/${kiosk.id}/compartment-service`, { compartmentId: 'A01', inService: false, reason: 'broken hinge' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ op: 'compartment.out_of_service', compartmentId: 'A01', status: 'pending' });
    await result(r.body.commandId, 'executed');
  });

  it('an admin opens a door only with a reason and the confirmation; the command is audited', async () => {
    expect((await openDoor(admin, { compartmentId: 'A01', confirm: true })).status).toBe(400);
    expect((await openDoor(admin, { compartmentId: 'A01', reason: 'x', confirm: true })).status).toBe(400);
    expect((await openDoor(admin, { compartmentId: 'A01', reason: 'customer locked out' })).status).toBe(400);
    const r = await openDoor(admin, { compartmentId: 'A01', reason: 'customer locked out', confirm: true });
    expect(r.status).toBe(201);
    const audit = await admin.get('/console/api/audit?limit=5');
    expect(audit.body.entries[0]).toMatchObject({ action: 'door.open', target: `${kiosk.id}/A01`, outcome: 'ok' });
    expect(audit.body.entries[0].detail).toMatchObject({ commandId: r.body.commandId, reason: 'customer locked out' });
    await result(r.body.commandId, 'executed');
  });
});

describe('the queue', () => {
  it('the kiosk fetches its pending signed commands; the heartbeat says some wait; the first result settles it', async () => {
    const r = await openDoor(admin, { compartmentId: 'B02', reason: 'parcel stuck', confirm: true });
    const id = r.body.commandId as string;
    expect((await heartbeat()).body.commandsPending).toBe(true);
    const q = await fetchQueue();
    expect(q.status).toBe(200);
    expect(q.body.commands.map((c: { commandId: string }) => c.commandId)).toEqual([id]);
    const v = verifyCommand(q.body.commands[0].token, kiosk.creds.badgePublicKey, kiosk.id, clock);
    expect(v).toMatchObject({ ok: true, claims: { cid: id, op: 'door.open', cmp: 'B02', reason: 'parcel stuck' } });

    // Another kiosk neither sees it nor can settle it.
    const other = await TestKiosk.enroll(s.server);
    expect((await other.send('GET', `/v1/kiosks/${other.id}/commands`, undefined, { now: clock })).body.commands).toEqual([]);
    await events(other, [{ id: randomUUID(), type: 'command.result', occurredAt: new Date(clock).toISOString(), payload: { commandId: id, outcome: 'refused', reason: 'foreign_kiosk' } }]);

    expect((await result(id, 'executed', { operationId: 'op-1', parcelBarcode: 'PKG-123456' })).status).toBe(200);
    // A later replay refusal does not undo it; a door fault after the unlock does.
    await result(id, 'refused', { reason: 'replayed' });
    let page = await admin.get(`/console/api/kiosks/${kiosk.id}`);
    expect(page.body.commands.find((c: { commandId: string }) => c.commandId === id)).toMatchObject({ status: 'executed', resultDetail: { parcelBarcode: 'PKG-123456' } });
    await result(id, 'door_fault', { reason: 'door_fault' });
    page = await admin.get(`/console/api/kiosks/${kiosk.id}`);
    expect(page.body.commands.find((c: { commandId: string }) => c.commandId === id)).toMatchObject({ status: 'door_fault' });
    expect((await fetchQueue()).body.commands).toEqual([]);
    expect((await heartbeat()).body.commandsPending).toBe(false);
  });

  it('a command not fetched within 10 minutes shows as expired; the kiosk still gets it (to refuse and report)', async () => {
    const r = await openDoor(admin, { compartmentId: 'C03', reason: 'late one', confirm: true });
    clock += 10 * 60_000 + 1;
    const page = await admin.get(`/console/api/kiosks/${kiosk.id}`);
    expect(page.body.commands.find((c: { commandId: string }) => c.commandId === r.body.commandId)).toMatchObject({ status: 'expired' });
    const q = await fetchQueue();
    expect(verifyCommand(q.body.commands[0].token, kiosk.creds.badgePublicKey, kiosk.id, clock)).toMatchObject({ ok: false, reason: 'expired' });
    await result(r.body.commandId, 'refused', { reason: 'expired' });
    expect((await fetchQueue()).body.commands).toEqual([]);
  });

  it('the kiosk page shows the grid from the heartbeat and the alarms, HTML-free JSON; unknown kiosk 404', async () => {
    expect((await heartbeat({ compartments: [{ id: 'A01', size: 'S', status: 'out_of_service', door: 'closed' }] })).status).toBe(200);
    await events(kiosk, [{ id: randomUUID(), type: 'door.forced_open', occurredAt: new Date(clock).toISOString(), payload: { compartmentId: 'A01' } }]);
    const page = await admin.get(`/console/api/kiosks/${kiosk.id}`);
    expect(page.body.compartments).toEqual([{ id: 'A01', size: 'S', status: 'out_of_service', door: 'closed' }]);
    expect(page.body.events.filter((e: { type: string }) => e.type === 'door.forced_open')).toMatchObject([{ payload: { compartmentId: 'A01' } }]);
    expect((await admin.get('/console/api/kiosks/K-nosuchkiosk1')).status).toBe(404);
  });
});
