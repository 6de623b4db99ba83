import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDigest, codeDigest, qrDigest } from '../../src-common/code-digest';
import { ManifestResponse, type SyncEvent } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { admin, http as req, snapshot, startTestServer, TestKiosk, until, type Started } from './helpers';
import { startSmsGateway, startSmtpSink } from './sinks';

/**
 * Drop-offs on the fleet server (issue 13, ADR drop-offs), SQLite and PostgreSQL runs: `POST /v1/dropoffs` with a
 * carrier key, the sender's code by SMS and e-mail, capacity held like a shipment's, the kiosk's manifest (a list of its
 * own, never `expected`), the deposit with its receipt, the driver's collection, and an unused drop-off expiring.
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const DAY = 86_400_000;

/** A carrier's endpoint that records what it is sent (answers 200). */
async function receiver(): Promise<{ url: string; got: Array<{ type: string; parcel: Record<string, unknown> }>; close(): Promise<void> }> {
  const got: Array<{ type: string; parcel: Record<string, unknown> }> = [];
  const server = http.createServer((rq, rs) => {
    let body = '';
    rq.on('data', (c: Buffer) => (body += c.toString('utf8')));
    rq.on('end', () => {
      got.push(JSON.parse(body));
      rs.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, got, close: () => new Promise((r) => server.close(() => r())) };
}

async function setup(capacity = { S: 1, M: 1, L: 0, XL: 0 }) {
  let now = Date.now();
  const smtp = await startSmtpSink();
  const sms = await startSmsGateway();
  const s: Started = await startTestServer({
    channels: { smtpUrl: smtp.url, smsUrl: sms.url, timeoutMs: 2000 },
    notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 },
    webhooks: { pollMs: 25, baseDelayMs: 40, maxDelayMs: 200, timeoutMs: 2_000 },
    now: () => now,
  });
  const rx = await receiver();
  cleanup.push(() => s.stop(), () => smtp.close(), () => sms.close(), () => rx.close());
  const k = await TestKiosk.enroll(s.server, capacity);
  const ops = await operator(s.server, 'admin');
  const key = (await ops.send('POST', '/console/api/carrier-keys', { carrier: 'Returns Co', kiosks: null })).body as { id: string; key: string };
  expect((await ops.send('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: rx.url })).status).toBe(200);
  const carrier = (method: string, p: string, body?: unknown) =>
    req(s.server.url + p, { method, headers: { authorization: `Bearer ${key.key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { s, k, smtp, sms, rx, carrier, clock: { advance: (ms: number) => void (now += ms), now: () => now } };
}

const booking = (kioskId: string, barcode: string, o: Record<string, unknown> = {}) => ({
  barcode,
  size: 'S' as const,
  kioskId,
  sender: { phone: '+48500100300', email: 'sender@example.com', name: 'Sam Sender' },
  destination: { reference: 'RMA-2026-0042' },
  ...o,
});

const dropoffDeposited = (parcelId: string, barcode: string, at: number, compartmentId = 'A03', size = 'S'): SyncEvent => ({
  id: randomUUID(),
  type: 'dropoff.deposited',
  occurredAt: new Date(at).toISOString(),
  payload: { parcelId, barcode, compartmentId, size: size as 'S', receipt: 'R-ABC234' },
});

describe('POST /v1/dropoffs', () => {
  it('books a drop-off: the sender gets a code (SMS and e-mail) whose digests reach the kiosk in its own manifest list; nothing in clear at rest', async () => {
    const { s, k, sms, smtp, carrier } = await setup();
    const r = await carrier('POST', '/v1/dropoffs', booking(k.id, 'RET-0001', { locale: 'pl' }));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ barcode: 'RET-0001', kioskId: k.id, status: 'expected', direction: 'out' });
    expect(r.body.code).toBeUndefined();
    expect(Object.keys(r.body as object).sort()).toEqual(['barcode', 'deadline', 'direction', 'kioskId', 'parcelId', 'status']);
    expect(Date.parse(r.body.deadline) - Date.now()).toBeGreaterThan(6 * DAY);

    await until(() => sms.messages.length === 1 && smtp.mails.length === 1, 5000, 'the sender’s SMS and e-mail');
    expect(sms.messages[0]!.to).toBe('+48500100300');
    // Polish, as booked; the code is in the text.
    const code = /Kod nadania ([0-9]{6})/.exec(sms.messages[0]!.text)?.[1];
    expect(code).toMatch(/^[0-9]{6}$/);
    const mail = smtp.mails[0]!.raw.replace(/=\r?\n/g, '');
    const qr = /LK2:([A-Za-z0-9_-]{22})/.exec(mail)?.[1];
    const check = /Kod kontrolny: ([0-9]{4})/.exec(mail)?.[1];
    expect(qr).toBeDefined();
    expect(check).toBeDefined();

    const m = ManifestResponse.parse((await k.manifest()).body);
    expect(m.expected).toHaveLength(0); // an older kiosk reads `expected` only: it never sees the drop-off
    expect(m.dropoffs).toHaveLength(1);
    const d = m.dropoffs![0]!;
    expect(d).toMatchObject({ parcelId: r.body.parcelId, barcode: 'RET-0001', size: 'S', deadline: r.body.deadline });
    expect(d.codeDigest).toBe(codeDigest(k.secret, code!));
    expect(d.qrDigest).toBe(qrDigest(k.secret, qr!));
    expect(d.checkDigest).toBe(checkDigest(k.secret, code!, check!));
    expect(JSON.stringify((await k.manifest()).body)).not.toContain('direction');

    // Nothing in clear at rest: not the code, not the QR token, not the check code.
    await until(async () => (await s.server.parcel('RET-0001'))!.notifications.every((n) => n.status === 'sent'), 5000, 'sent');
    for (const t of ['parcels', 'notifications', 'manifest']) {
      const dump = JSON.stringify(await s.server.query(`SELECT * FROM ${t}`));
      expect(dump).not.toContain(qr!);
      expect(dump).not.toMatch(new RegExp(`"${code}"|is ${code}|: ${code}`));
    }
    const view = (await carrier('GET', '/v1/parcels/RET-0001')).body;
    expect(view).toMatchObject({ direction: 'out', destinationRef: 'RMA-2026-0042', status: 'expected', receipt: null });
  });

  it('holds capacity like a shipment: the kiosk’s last S slot taken by a drop-off refuses the next parcel; bad input changes nothing', async () => {
    const { s, k, carrier } = await setup({ S: 1, M: 0, L: 0, XL: 0 });
    const before = await snapshot(s.server);
    for (const bad of [
      booking(k.id, 'RET-0100', { sender: {} }),
      booking(k.id, 'RET-0100', { size: 'XXL' }),
      booking(k.id, 'RET-0100', { destination: { reference: '' } }),
      booking(k.id, 'RET-0100', { validDays: 0 }),
      booking(k.id, 'RET-0100', { extra: true }),
    ]) {
      const r = await carrier('POST', '/v1/dropoffs', bad);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('BAD_INPUT');
    }
    expect(await snapshot(s.server)).toEqual(before);

    expect((await carrier('POST', '/v1/dropoffs', booking(k.id, 'RET-0101'))).status).toBe(201);
    const again = await carrier('POST', '/v1/dropoffs', booking(k.id, 'RET-0101'));
    expect([again.status, again.body.error.code]).toEqual([409, 'DUPLICATE']);
    const full = await carrier('POST', '/v1/shipments', { barcode: 'SHIP-0101', size: 'S', kioskId: k.id, recipient: { email: 'r@example.com' } });
    expect([full.status, full.body.error.code]).toEqual([409, 'NO_CAPACITY']);
    const full2 = await carrier('POST', '/v1/dropoffs', booking(k.id, 'RET-0102'));
    expect([full2.status, full2.body.error.code]).toEqual([409, 'NO_CAPACITY']);
    // An unknown kiosk is 404 without writing anything.
    expect((await carrier('POST', '/v1/dropoffs', booking('K-NOSUCHKIOSK', 'RET-0103'))).status).toBe(404);
  });

  it('needs a credential before the body is read', async () => {
    const { s, k } = await setup();
    const r = await req(s.server.url + '/v1/dropoffs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(booking(k.id, 'RET-0200')) });
    expect(r.status).toBe(401);
    expect(await s.server.parcel('RET-0200')).toBeUndefined();
  });

  it('draws its code from the kiosk’s one code space: no two live parcels of a kiosk share a code, pickups and drop-offs alike', async () => {
    const { s, k } = await setup({ S: 40, M: 0, L: 0, XL: 0 });
    for (let i = 0; i < 15; i++) {
      await s.server.createShipment({ barcode: `SHIP-1${String(i).padStart(3, '0')}`, size: 'S', kioskId: k.id, recipient: { email: 'r@example.com' } });
      await s.server.createDropoff(booking(k.id, `RET-1${String(i).padStart(3, '0')}`));
    }
    const rows = await s.server.query<{ code_digest: string; direction: string }>(`SELECT code_digest, direction FROM parcels WHERE kiosk_id = '${k.id}'`);
    expect(rows.filter((r) => r.direction === 'out')).toHaveLength(15);
    expect(new Set(rows.map((r) => r.code_digest)).size).toBe(30);
    // The same unique index as for pickups refuses a second live parcel on one code at the store itself.
    const one = rows[0]!;
    await expect(
      s.server.query(
        `INSERT INTO parcels (id, barcode, kiosk_id, size, status, code_digest, pickup_window_days, created_at, updated_at, direction, locale)
         VALUES ('p_clash0000001', 'RET-CLASH', '${k.id}', 'S', 'expected', '${one.code_digest}', 3, 1, 1, 'out', 'en')`,
      ),
    ).rejects.toThrow(/unique|UNIQUE/);
  });
});

describe('a drop-off at the kiosk and after', () => {
  it('deposit → receipt to the sender and `dropped_off` to the carrier; collection → `collected`; each once', async () => {
    const { s, k, sms, rx, carrier } = await setup();
    const r = (await carrier('POST', '/v1/dropoffs', booking(k.id, 'RET-0300'))).body;
    await until(() => sms.messages.length === 1, 5000, 'the code');
    const at = Date.now();
    const dep = dropoffDeposited(r.parcelId, 'RET-0300', at);
    const first = await k.events([dep]);
    expect(first.body.results[0].outcome).toBe('applied');
    expect((await k.events([dep])).body.results[0].outcome).toBe('duplicate');
    await until(() => sms.messages.length === 2, 5000, 'the receipt');
    expect(sms.messages[1]!.text).toContain('R-ABC234');
    expect(sms.messages[1]!.text).toContain('A03');
    let view = (await carrier('GET', '/v1/parcels/RET-0300')).body;
    expect(view).toMatchObject({ status: 'deposited', compartmentId: 'A03', receipt: 'R-ABC234', expiresAt: null });
    // A drop-off in the locker gets no pickup reminder, whatever the sweep finds.
    await admin(s.server, 'POST', '/v1/admin/sweep');
    expect(view.notifications.map((n: { kind: string }) => n.kind).sort()).toEqual(['code', 'code', 'receipt', 'receipt']);

    const collected: SyncEvent = { id: randomUUID(), type: 'parcel.collected', occurredAt: new Date(at + 60_000).toISOString(), payload: { parcelId: r.parcelId, barcode: 'RET-0300', compartmentId: 'A03', badgeId: 'b_driver0001' } };
    expect((await k.events([collected])).body.results[0].outcome).toBe('applied');
    view = (await carrier('GET', '/v1/parcels/RET-0300')).body;
    expect(view.status).toBe('collected');
    await until(() => rx.got.length === 2, 5000, 'two webhooks');
    expect(rx.got.map((g) => [g.type, g.parcel.status, g.parcel.direction, g.parcel.destinationRef])).toEqual([
      ['parcel.dropped_off', 'deposited', 'out', 'RMA-2026-0042'],
      ['parcel.collected', 'collected', 'out', 'RMA-2026-0042'],
    ]);
    expect(JSON.stringify(rx.got)).not.toContain('sender@example.com');
  });

  it('an unused drop-off expires at its deadline: reservation freed, the kiosk told, the carrier told; a late deposit still stands', async () => {
    const { s, k, rx, carrier, clock } = await setup({ S: 1, M: 0, L: 0, XL: 0 });
    const r = (await carrier('POST', '/v1/dropoffs', booking(k.id, 'RET-0400', { validDays: 2 }))).body;
    const ship = { barcode: 'SHIP-0400', size: 'S', kioskId: k.id, recipient: { email: 'r@example.com' } };
    expect((await carrier('POST', '/v1/shipments', ship)).status).toBe(409); // the slot is held

    clock.advance(2 * DAY - 60_000);
    expect((await admin(s.server, 'POST', '/v1/admin/sweep')).body.dropoffsExpired).toBe(0); // not before its deadline
    clock.advance(60_000);
    expect((await admin(s.server, 'POST', '/v1/admin/sweep')).body.dropoffsExpired).toBe(1);
    expect((await admin(s.server, 'POST', '/v1/admin/sweep')).body.dropoffsExpired).toBe(0); // once
    const view = (await carrier('GET', '/v1/parcels/RET-0400')).body;
    expect(view).toMatchObject({ status: 'cancelled', cancelReason: 'dropoff_expired' });
    // The kiosk signs with its own clock, which moved with the server's.
    const m = ManifestResponse.parse((await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0`, undefined, { now: clock.now() })).body);
    expect(m.cancellations).toEqual([expect.objectContaining({ parcelId: r.parcelId, reason: 'dropoff_expired' })]);
    await until(() => rx.got.some((g) => g.type === 'parcel.cancelled'), 5000, 'the webhook');
    expect(rx.got.find((g) => g.type === 'parcel.cancelled')!.parcel).toMatchObject({ cancelReason: 'dropoff_expired', direction: 'out' });
    // Its capacity is free again.
    expect((await carrier('POST', '/v1/shipments', ship)).status).toBe(201);

    // The kiosk was offline and the sender came anyway: the parcel is in the locker, so it stands (and must be collected).
    const late = await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [dropoffDeposited(r.parcelId, 'RET-0400', clock.now())] }, { now: clock.now() });
    expect(late.body.results[0].outcome).toBe('conflict');
    expect((await carrier('GET', '/v1/parcels/RET-0400')).body.status).toBe('deposited');
  });

  it('the undelivered-parcel release leaves drop-offs to their own deadline', async () => {
    const { s, k, carrier, clock } = await setup({ S: 2, M: 0, L: 0, XL: 0 });
    await carrier('POST', '/v1/dropoffs', booking(k.id, 'RET-0500', { validDays: 20 }));
    clock.advance(10 * DAY);
    const swept = (await admin(s.server, 'POST', '/v1/admin/sweep')).body;
    expect(swept.dropoffsExpired).toBe(0);
    expect((await carrier('GET', '/v1/parcels/RET-0500')).body.status).toBe('expected');
  });
});
