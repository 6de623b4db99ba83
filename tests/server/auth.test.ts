import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalString, sha256Hex, signRequest } from '../../src-common/signing';
import { admin, http, snapshot, startTestServer, TestKiosk, type Started } from './helpers';

let s: Started;
let k: TestKiosk;
const free = { S: 1, M: 1, L: 1, XL: 1 };
beforeAll(async () => {
  s = await startTestServer();
  k = await TestKiosk.enroll(s.server);
});
afterAll(() => s.stop());

describe('request signing', () => {
  it('builds the canonical string from method, path, timestamp, nonce and the body hash', () => {
    expect(canonicalString({ method: 'post', path: '/v1/x?a=1', timestamp: 5, nonce: 'n'.repeat(16), body: '{}' })).toBe(
      `POST\n/v1/x?a=1\n5\n${'n'.repeat(16)}\n${sha256Hex('{}')}`,
    );
    expect(sha256Hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('accepts a correctly signed request', async () => {
    expect((await k.heartbeat(free)).status).toBe(200);
    expect((await k.manifest()).status).toBe(200);
  });

  it('refuses a tampered body', async () => {
    const r = await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, { freeBySize: free, faults: [], outboxDepth: 0, version: '1' }, {
      rawBody: JSON.stringify({ freeBySize: { ...free, XL: 9 }, faults: [], outboxDepth: 0, version: '1' }),
    });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: 'UNAUTHORIZED', message: 'signature does not match the request' });
  });

  it('refuses a tampered query (cursor) and a wrong secret', async () => {
    const path = `/v1/kiosks/${k.id}/manifest?cursor=0`;
    const h = signRequest({ kioskId: k.id, secret: k.secret, method: 'GET', path });
    expect((await http(s.server.url + `/v1/kiosks/${k.id}/manifest?cursor=5`, { headers: h })).status).toBe(401);
    const forged = signRequest({ kioskId: k.id, secret: Buffer.alloc(32, 7), method: 'GET', path });
    expect((await http(s.server.url + path, { headers: forged })).status).toBe(401);
  });

  it('refuses a stale or future timestamp', async () => {
    const stale = await k.heartbeat(free, {}).then(() => k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0`, undefined, { now: Date.now() - 6 * 60_000 }));
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toMatch(/5 minutes/);
    const future = await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0`, undefined, { now: Date.now() + 6 * 60_000 });
    expect(future.status).toBe(401);
  });

  it('refuses a replayed request (same nonce), even with a fresh signature', async () => {
    const nonce = 'replay-nonce-0123456789';
    expect((await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0`, undefined, { nonce })).status).toBe(200);
    const again = await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0`, undefined, { nonce });
    expect(again.status).toBe(401);
    expect(again.body.error.message).toMatch(/replayed/);
    // Replaying the exact same bytes and headers of an events batch is refused too.
    const path = `/v1/kiosks/${k.id}/heartbeat`;
    const body = JSON.stringify({ freeBySize: free, faults: [], outboxDepth: 3, version: '1' });
    const headers = { ...signRequest({ kioskId: k.id, secret: k.secret, method: 'POST', path, body }), 'content-type': 'application/json' };
    expect((await http(s.server.url + path, { method: 'POST', headers, body })).status).toBe(200);
    expect((await http(s.server.url + path, { method: 'POST', headers, body })).status).toBe(401);
  });

  it('refuses missing headers, another kiosk, and an unknown kiosk', async () => {
    expect((await http(s.server.url + `/v1/kiosks/${k.id}/manifest`)).status).toBe(401);
    const other = await TestKiosk.enroll(s.server);
    const r = await k.send('GET', `/v1/kiosks/${other.id}/manifest`);
    expect(r.status).toBe(403);
    const ghost = new TestKiosk(s.server.url, { ...k.creds, kioskId: 'K-nosuchkiosk1' });
    expect((await ghost.manifest()).status).toBe(401);
  });

  it('guards carrier endpoints with the admin key', async () => {
    const r = await http(s.server.url + '/v1/parcels/ABCD-1', { headers: { authorization: 'Bearer wrong' } });
    expect(r.status).toBe(401);
    expect((await http(s.server.url + '/v1/badges', { method: 'POST' })).status).toBe(401);
    expect((await admin(s.server, 'GET', '/v1/parcels/ABCD-1')).status).toBe(404);
  });
});

describe('nonce table', () => {
  it('stays bounded without any sweep timer, and a pruned nonce still cannot be replayed (its timestamp is stale)', async () => {
    let clock = Date.now();
    const t = await startTestServer({ now: () => clock }); // sweepIntervalMs: 0, as in every server test
    try {
      const kk = await TestKiosk.enroll(t.server);
      const path = `/v1/kiosks/${kk.id}/manifest?cursor=0`;
      const first = signRequest({ kioskId: kk.id, secret: kk.secret, method: 'GET', path, now: clock });
      expect((await http(t.server.url + path, { headers: first })).status).toBe(200);
      for (let i = 0; i < 20; i++) expect((await kk.send('GET', path, undefined, { now: clock })).status).toBe(200);
      const count = async () => (await snapshot(t.server)).nonces;
      expect(await count()).toBe(21);
      clock += 11 * 60_000;
      expect((await kk.send('GET', path, undefined, { now: clock })).status).toBe(200);
      expect(await count()).toBe(1);
      const replay = await http(t.server.url + path, { headers: first });
      expect(replay.status).toBe(401);
      expect(replay.body.error.message).toMatch(/5 minutes/);
    } finally {
      await t.stop();
    }
  });
});
