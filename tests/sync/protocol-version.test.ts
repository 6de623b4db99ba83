import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src-common/signing';
import { SyncHttp } from '../../src-main/sync/http';
import {
  EventsResponse,
  HEADER_SYNC_PROTOCOL,
  ManifestResponse,
  SYNC_PROTOCOL_VERSION,
} from '../../src-shared/sync-protocol';
import { startTestServer, type Started } from '../server/helpers';
import * as V1 from './fixtures/protocol-v1';

/**
 * Issue 11: a fleet runs mixed kiosk versions during a roll-out. The server serves the previous protocol's requests
 * (a frozen copy of the version-1 schemas in fixtures/protocol-v1.ts, no version header) and a newer peer's requests
 * with fields it does not know; the kiosk reads a newer server's answers with fields and values it does not know.
 */
let s: Started;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

/** A kiosk as released before versioning: v1 shapes, no x-sync-protocol header. */
class V1Kiosk {
  constructor(
    readonly id: string,
    readonly secret: Buffer,
  ) {}
  static async enroll(url: string, token: string): Promise<V1Kiosk> {
    const body = V1.EnrollRequest.parse({ enrollmentToken: token, capacity: { S: 2, M: 1, L: 1, XL: 0 }, layoutName: 'v1', version: '0.1.0' });
    const r = await fetch(url + '/v1/kiosks/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    const e = V1.EnrollResponse.parse(await r.json());
    return new V1Kiosk(e.kioskId, Buffer.from(e.kioskSecret, 'base64'));
  }
  async send(method: 'GET' | 'POST', p: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; json: unknown; served: string | null }> {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { ...signRequest({ kioskId: this.id, secret: this.secret, method, path: p, ...(raw ? { body: raw } : {}) }), ...extraHeaders };
    if (raw) headers['content-type'] = 'application/json';
    const r = await fetch(s.server.url + p, { method, headers, ...(raw ? { body: raw } : {}) });
    return { status: r.status, json: await r.json(), served: r.headers.get(HEADER_SYNC_PROTOCOL) };
  }
}

const deposit = (parcelId: string | undefined, barcode: string) => ({
  id: randomUUID(),
  type: 'parcel.deposited' as const,
  occurredAt: new Date().toISOString(),
  payload: { ...(parcelId ? { parcelId } : {}), barcode, compartmentId: 'A01', size: 'S' as const, expiresAt: new Date(Date.now() + 3 * 86400_000).toISOString() },
});

describe('a version-1 kiosk against this server', () => {
  it('enrolls, pulls, pushes and heartbeats with the frozen v1 shapes, and reads every answer with them', async () => {
    const k = await V1Kiosk.enroll(s.server.url, await s.server.createEnrollmentToken());
    const shipment = await s.server.createShipment({ barcode: 'V1-PARCEL-1', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });

    const m = await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0&limit=50`);
    expect(m.status).toBe(200);
    const page = V1.ManifestResponse.parse(m.json);
    expect(page.expected.map((e) => e.barcode)).toEqual(['V1-PARCEL-1']);

    const batch = V1.EventsRequest.parse({
      events: [
        deposit(shipment.parcelId, 'V1-PARCEL-1'),
        { id: randomUUID(), type: 'door.left_open', occurredAt: new Date().toISOString(), payload: { compartmentId: 'A01', openForMs: 60_000 } },
      ],
    });
    const ev = await k.send('POST', `/v1/kiosks/${k.id}/events`, batch);
    expect(ev.status).toBe(200);
    expect(V1.EventsResponse.parse(ev.json).acked).toEqual(batch.events.map((e) => e.id));

    const hb = await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, V1.HeartbeatRequest.parse({ freeBySize: { S: 1, M: 1, L: 1, XL: 0 }, faults: [], outboxDepth: 0, version: '0.1.0', cursor: page.nextCursor }));
    expect(hb.status).toBe(200);
    V1.HeartbeatResponse.parse(hb.json);
    expect(hb.served).toBe(String(SYNC_PROTOCOL_VERSION));
  });
});

describe('a newer kiosk (fields this server does not know)', () => {
  let k: V1Kiosk;
  const newer = { [HEADER_SYNC_PROTOCOL]: String(SYNC_PROTOCOL_VERSION + 1) };
  beforeAll(async () => {
    k = await V1Kiosk.enroll(s.server.url, await s.server.createEnrollmentToken());
  });

  it('is served: unknown fields in heartbeat, faults, events, payloads and the manifest query are dropped, not refused', async () => {
    const hb = await k.send(
      'POST',
      `/v1/kiosks/${k.id}/heartbeat`,
      { freeBySize: { S: 1, M: 0, L: 0, XL: 0, XXL: 2 }, faults: [{ code: 'BATTERY', severity: 'low' }], outboxDepth: 0, version: '9.0.0', batteryPercent: 80 },
      newer,
    );
    expect(hb.status).toBe(200);
    const e = { ...deposit(undefined, 'NEWER-1'), traceId: 'abc', payload: { ...deposit(undefined, 'NEWER-1').payload, weightGrams: 1200 } };
    const ev = await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [e], compression: 'none' }, newer);
    expect(ev.status).toBe(200);
    expect((ev.json as { acked: string[] }).acked).toEqual([e.id]);
    const m = await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0&limit=10&epoch=7`, undefined, newer);
    expect(m.status).toBe(200);
  });

  it('still has wrong types, __proto__ keys and a bad or retired version refused', async () => {
    const p = `/v1/kiosks/${k.id}/heartbeat`;
    const ok = { freeBySize: { S: 1, M: 0, L: 0, XL: 0 }, faults: [], outboxDepth: 0, version: '9.0.0' };
    expect((await k.send('POST', p, { ...ok, outboxDepth: '3' }, newer)).status).toBe(400);
    const proto = await k.send('POST', p, JSON.parse(`{"freeBySize":{"S":1,"M":0,"L":0,"XL":0},"faults":[],"outboxDepth":0,"version":"9","__proto__":{"x":1}}`), newer);
    expect(proto.status).toBe(400);
    expect((await k.send('POST', p, ok, { [HEADER_SYNC_PROTOCOL]: 'two' })).status).toBe(400);
    const retired = await k.send('POST', p, ok, { [HEADER_SYNC_PROTOCOL]: '0' });
    expect(retired.status).toBe(400);
    expect(JSON.stringify(retired.json)).toMatch(/no longer served/);
  });
});

describe('this kiosk against a newer server (answers with fields and values it does not know)', () => {
  let stub: http.Server;
  let url: string;
  const answers: Record<string, { status: number; body: unknown }> = {};
  beforeAll(async () => {
    stub = http.createServer((req, res) => {
      const a = answers[req.url!.split('?')[0]!]!;
      res.writeHead(a.status, { 'content-type': 'application/json', [HEADER_SYNC_PROTOCOL]: '3' });
      res.end(JSON.stringify(a.body));
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => stub.close(() => r())));

  it('parses them, drops what it does not know, and notes the server version', async () => {
    const id = randomUUID();
    const creds = { kioskId: 'K-STUB00001', secret: Buffer.alloc(32, 1) };
    answers['/v1/kiosks/K-STUB00001/manifest'] = {
      status: 200,
      body: {
        expected: [
          { seq: 1, parcelId: 'p_abcdefgh12', barcode: 'NEW-1', size: 'S', codeDigest: 'a'.repeat(64), pickupWindowDays: 3, accessible: false, releaseAt: '2030-01-01T00:00:00.000Z' },
        ],
        cancellations: [],
        extensions: [],
        revokedBadges: [],
        revokedBadgeIds: [],
        nextCursor: '1',
        hasMore: false,
        serverTime: new Date().toISOString(),
        // (epoch was the example here until it joined the protocol: ADR restore-epoch)
        shardHint: 'e-42',
        commands: [{ kind: 'reboot' }],
      },
    };
    answers['/v1/kiosks/K-STUB00001/events'] = { status: 200, body: { acked: [id], results: [{ id, outcome: 'queued_for_review' }], serverLoad: 0.3 } };
    answers['/v1/kiosks/K-STUB00001/heartbeat'] = { status: 503, body: { error: { code: 'DRAINING', message: 'instance draining' } } };
    const h = new SyncHttp({ baseUrl: url, now: () => Date.now(), timeoutMs: 5_000 });
    const page = await h.signed(creds, 'GET', '/v1/kiosks/K-STUB00001/manifest?cursor=0', undefined, ManifestResponse);
    expect(page.expected[0]!.barcode).toBe('NEW-1');
    expect(page).not.toHaveProperty('shardHint');
    const ev = await h.signed(creds, 'POST', '/v1/kiosks/K-STUB00001/events', { events: [] }, EventsResponse);
    expect(ev.acked).toEqual([id]);
    expect(h.serverProtocol).toBe(3);
    // A new error code is still an HTTP error with its message, not "outside the contract".
    await expect(h.signed(creds, 'POST', '/v1/kiosks/K-STUB00001/heartbeat', {}, EventsResponse)).rejects.toMatchObject({ kind: 'http', status: 503, code: 'DRAINING' });
  });
});
