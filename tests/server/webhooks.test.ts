import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operator, type ConsoleClient } from './console-helpers';
import { deposited, http as req, pickedUp, startTestServer, TestKiosk, until, type Started } from './helpers';

/**
 * Carrier status webhooks (issue 12, ADR alerts-webhooks) over real HTTP: a real fleet server (SQLite and PostgreSQL
 * runs) POSTs to a real local receiver that checks each signature the way a carrier would, from the secret alone.
 */
interface Received {
  path: string;
  eventId: string;
  signature: string;
  body: string;
  answered: number;
}

/** A carrier's endpoint: answers 500 to the next `failNext` requests, and to bodies `refuse` picks, else 200. */
class Receiver {
  readonly got: Received[] = [];
  failNext = 0;
  refuse: (body: string) => boolean = () => false;
  private server = http.createServer((rq, rs) => {
    let body = '';
    rq.on('data', (c: Buffer) => (body += c.toString('utf8')));
    rq.on('end', () => {
      const answered = this.failNext > 0 ? (this.failNext--, 500) : this.refuse(body) ? 500 : 200;
      this.got.push({ path: rq.url ?? '', eventId: String(rq.headers['x-locker-event-id']), signature: String(rq.headers['x-locker-signature']), body, answered });
      rs.statusCode = answered;
      rs.end();
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
  delivered(): Array<{ eventId: string; body: { id: string; type: string; parcel: { barcode: string; status: string } } }> {
    return this.got.filter((g) => g.answered === 200).map((g) => ({ eventId: g.eventId, body: JSON.parse(g.body) }));
  }
}

/** What a carrier does: recompute HMAC-SHA-256(secret, t + "." + body), compare in constant time, refuse stale ones. */
function verify(secret: string, sig: string, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
  if (!m) return false;
  if (Math.abs(Date.now() - Number(m[1])) > 5 * 60_000) return false;
  const want = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(m[2]!, 'hex'));
}

let s: Started;
let rx: Receiver;
let admin: ConsoleClient;
beforeAll(async () => {
  s = await startTestServer({ webhooks: { pollMs: 25, baseDelayMs: 40, maxDelayMs: 200, timeoutMs: 2_000 } });
  rx = new Receiver();
  await rx.start();
  admin = await operator(s.server, 'admin');
});
afterAll(async () => {
  await s.stop();
  await rx.stop();
});

const carrierKey = async (carrier: string) => (await admin.send('POST', '/console/api/carrier-keys', { carrier, kiosks: null })).body as { id: string; key: string };
const asKey = (key: string) => (method: string, p: string, body?: unknown) =>
  req(s.server.url + p, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

interface Delivery {
  keyId: string;
  event: string;
  eventId: string;
  barcode: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}
const log = async (keyId: string) => (await admin.get(`/console/api/webhooks/deliveries?key=${keyId}`)).body.deliveries as Delivery[];

describe('carrier status webhooks', () => {
  it('announces deposited, picked up and cancelled to the carrier’s endpoint, signed; another carrier hears nothing', async () => {
    const k = await TestKiosk.enroll(s.server);
    const acme = await carrierKey('Acme Hooks');
    const other = await carrierKey('Other Hooks');
    const set = await admin.send('PUT', `/console/api/carrier-keys/${acme.id}/webhook`, { url: `${rx.url}/acme` });
    expect(set.status).toBe(200);
    const secret = set.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect((await admin.send('PUT', `/console/api/carrier-keys/${other.id}/webhook`, { url: `${rx.url}/other` })).status).toBe(200);
    // The secret is sealed at rest and never shown again.
    const rows = await s.server.query<Record<string, unknown>>('SELECT * FROM carrier_keys');
    expect(JSON.stringify(rows)).not.toContain(secret.slice(6));
    expect(JSON.stringify((await admin.get('/console/api/carrier-keys')).body)).not.toContain(secret);

    const A = asKey(acme.key);
    const ship = (barcode: string) => ({ barcode, size: 'S', kioskId: k.id, recipient: { email: 'r@example.com' } });
    const p1 = (await A('POST', '/v1/shipments', ship('HOOK-1'))).body as { parcelId: string };
    expect((await A('POST', '/v1/shipments', ship('HOOK-2'))).status).toBe(201);
    expect((await k.events([deposited(p1.parcelId, 'HOOK-1')])).status).toBe(200);
    expect((await k.events([pickedUp(p1.parcelId, 'HOOK-1')])).status).toBe(200);
    expect((await A('DELETE', '/v1/shipments/HOOK-2')).status).toBe(200);

    await until(async () => (await log(acme.id)).filter((d) => d.status === 'sent').length === 3, 10_000, 'three deliveries');
    const mine = rx.got.filter((g) => g.path === '/acme');
    expect(mine.every((g) => verify(secret, g.signature, g.body))).toBe(true);
    expect(mine.some((g) => verify('whsec_not-the-secret-at-all-000000', g.signature, g.body))).toBe(false);
    const seen = rx.delivered().filter((d) => d.body.parcel.barcode.startsWith('HOOK-'));
    expect(seen.map((d) => [d.body.type, d.body.parcel.barcode, d.body.parcel.status]).sort()).toEqual([
      ['parcel.cancelled', 'HOOK-2', 'cancelled'],
      ['parcel.deposited', 'HOOK-1', 'deposited'],
      ['parcel.picked_up', 'HOOK-1', 'picked_up'],
    ]);
    expect(seen.every((d) => d.eventId === d.body.id)).toBe(true);
    // No code, no recipient address in what leaves the server.
    expect(mine.some((g) => g.body.includes('r@example.com'))).toBe(false);
    expect(rx.got.filter((g) => g.path === '/other')).toEqual([]);
    // The same event applied again (a kiosk retrying its batch) announces nothing new.
    expect((await k.events([pickedUp(p1.parcelId, 'HOOK-1')])).status).toBe(200);
    expect((await log(acme.id)).length).toBe(3);
  });

  it('retries a failing endpoint with backoff and delivers once when it recovers; the log shows attempts and the last error', async () => {
    const k = await TestKiosk.enroll(s.server);
    const key = await carrierKey('Flaky Hooks');
    const set = await admin.send('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: `${rx.url}/flaky`, secret: 'a-secret-the-carrier-chose-123' });
    expect(set.body.secret).toBe('a-secret-the-carrier-chose-123');
    rx.failNext = 2;
    const p = (await asKey(key.key)('POST', '/v1/shipments', { barcode: 'FLAKY-1', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } })).body as { parcelId: string };
    expect((await k.events([deposited(p.parcelId, 'FLAKY-1')])).status).toBe(200);
    await until(async () => (await log(key.id))[0]?.status === 'sent', 10_000, 'the delivery after two failures');
    const [d] = await log(key.id);
    expect(d).toMatchObject({ event: 'deposited', barcode: 'FLAKY-1', status: 'sent', attempts: 3, lastStatus: 200, lastError: null });
    const tries = rx.got.filter((g) => g.path === '/flaky');
    expect(tries.map((g) => g.answered)).toEqual([500, 500, 200]);
    // Every attempt is the same event (one id, one body), freshly signed: the carrier dedupes on the id.
    expect(new Set(tries.map((g) => g.eventId)).size).toBe(1);
    expect(new Set(tries.map((g) => g.body)).size).toBe(1);
    expect(tries.every((g) => verify('a-secret-the-carrier-chose-123', g.signature, g.body))).toBe(true);
  });

  it('tells a carrier a parcel’s events in order: a later event waits while an earlier one is being retried (stressed CI run s2)', async () => {
    const k = await TestKiosk.enroll(s.server);
    const key = await carrierKey('Ordered Hooks');
    expect((await admin.send('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: `${rx.url}/ordered` })).status).toBe(200);
    // The endpoint refuses the first `deposited` it sees; the kiosk reports deposit and pickup in one batch.
    let refusals = 1;
    rx.refuse = (body) => body.includes('"parcel.deposited"') && body.includes('ORDER-1') && refusals-- > 0;
    const p = (await asKey(key.key)('POST', '/v1/shipments', { barcode: 'ORDER-1', size: 'S', kioskId: k.id, recipient: { email: 'o@example.com' } })).body as { parcelId: string };
    expect((await k.events([deposited(p.parcelId, 'ORDER-1'), pickedUp(p.parcelId, 'ORDER-1')])).status).toBe(200);
    await until(async () => (await log(key.id)).every((d) => d.status === 'sent') && (await log(key.id)).length === 2, 10_000, 'both deliveries');
    rx.refuse = () => false;
    const seen = rx.got.filter((g) => g.path === '/ordered').map((g) => `${(JSON.parse(g.body) as { type: string }).type}:${g.answered}`);
    // Before: the pickup went out beside the refused deposit and reached the carrier first.
    expect(seen).toEqual(['parcel.deposited:500', 'parcel.deposited:200', 'parcel.picked_up:200']);
  });

  it('is an admin’s setting, CSRF-protected and audited; the secret never reaches the audit log', async () => {
    const key = await carrierKey('Guarded Hooks');
    const op = await operator(s.server, 'operator');
    const sup = await operator(s.server, 'support');
    expect((await op.send('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: `${rx.url}/x` })).status).toBe(403);
    expect((await sup.get('/console/api/webhooks/deliveries')).status).toBe(403);
    expect((await admin.send('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: `${rx.url}/x` }, { csrf: false })).status).toBe(403);
    expect((await admin.send('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: 'ftp://example.com/x' })).status).toBe(400);
    const ok = await admin.send('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: `${rx.url}/x` });
    expect(ok.status).toBe(200);
    expect((await admin.send('DELETE', `/console/api/carrier-keys/${key.id}/webhook`)).status).toBe(200);
    const entries = (await admin.get('/console/api/audit?limit=50')).body.entries as Array<{ action: string; target: string; outcome: string }>;
    const mine = entries.filter((e) => e.target === key.id).map((e) => `${e.action}:${e.outcome}`);
    expect(mine).toEqual(expect.arrayContaining(['carrier-webhook.set:ok', 'carrier-webhook.clear:ok']));
    expect(JSON.stringify(entries)).not.toContain(ok.body.secret as string);
  });
});
