import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src-common/signing';
import { BODY_LIMITS, MAX_EVENT_JSON_BYTES } from '../../src-server/http/limits';
import { MAX_EVENTS_PER_BATCH, SyncEvent } from '../../src-shared/sync-protocol';
import type { TestKiosk } from './helpers';
import { nestedJson, rawPost, startHardened, type HardenedServer } from './hardening-helpers';

/**
 * Issue 11 hardening: bodies up to 1 MiB used to be parsed before credentials were checked (a 1 MB nested JSON cost
 * 190–300 ms of the event loop, unauthenticated; 8 in flight took a signed kiosk request from 4.8 ms to 1.6 s).
 * Now nothing without credentials gets its body read, and each route takes only what the protocol needs.
 */
let s: HardenedServer;
let k: TestKiosk;
const free = { S: 1, M: 1, L: 0, XL: 0 };
beforeAll(async () => {
  s = await startHardened();
  k = await s.enroll();
});
afterAll(() => s.stop());

describe('authenticate before the body is read', () => {
  it('a 1 MB nested JSON without credentials is refused before parsing, on kiosk, admin and unknown routes', async () => {
    const body = nestedJson(1024 * 1024);
    const parsedBefore = s.fleet.guard.bodiesParsed();
    const preParsingBefore = s.preParsing();
    const kiosk = await rawPost(s.port, `/v1/kiosks/${k.id}/events`, body);
    const forgedId = await rawPost(s.port, `/v1/kiosks/K-NOTAKIOSK1/events`, body, { 'x-kiosk-id': 'K-NOTAKIOSK1' });
    const carrier = await rawPost(s.port, '/v1/shipments', body);
    const wrongKey = await rawPost(s.port, '/v1/shipments', body, { authorization: 'Bearer not-the-key' });
    const nowhere = await rawPost(s.port, '/v1/nowhere', body);
    // A refusal may race the upload: the answer, or the socket closed under it. Never a 200, never a parse.
    for (const r of [kiosk, forgedId, carrier, wrongKey]) expect([401, null]).toContain(r.status);
    expect([404, null]).toContain(nowhere.status);
    expect(s.preParsing() - preParsingBefore).toBe(0);
    expect(s.fleet.guard.bodiesParsed() - parsedBefore).toBe(0);
  });

  it('a signed kiosk request is refused on its signature before JSON.parse when the bytes were altered', async () => {
    const parsedBefore = s.fleet.guard.bodiesParsed();
    const r = await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, { freeBySize: free, faults: [], outboxDepth: 0, version: '1' }, {
      rawBody: JSON.stringify({ freeBySize: { ...free, XL: 9 }, faults: [], outboxDepth: 0, version: '1' }),
    });
    expect(r.status).toBe(401);
    expect(s.fleet.guard.bodiesParsed() - parsedBefore).toBe(0);
    expect((await k.heartbeat(free)).status).toBe(200);
    expect(s.fleet.guard.bodiesParsed() - parsedBefore).toBe(1);
  });

  it('8 unauthenticated 1 MB bodies in flight barely touch the event loop; a signed request still answers', async () => {
    const body = nestedJson(1024 * 1024);
    // What one such body would cost if it were parsed (the old behaviour), for the printed comparison.
    const t0 = performance.now();
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      // deep nesting may overflow the stack: it still cost what it cost
    }
    const parseMs = performance.now() - t0;
    const alone = performance.now();
    expect((await k.manifest()).status).toBe(200);
    const aloneMs = performance.now() - alone;

    const parsedBefore = s.fleet.guard.bodiesParsed();
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const flood = Array.from({ length: 8 }, () => rawPost(s.port, `/v1/kiosks/${k.id}/events`, body));
    const during = performance.now();
    const signed = await k.manifest();
    const duringMs = performance.now() - during;
    const refused = await Promise.all(flood);
    loop.disable();
    expect(signed.status).toBe(200);
    for (const r of refused) expect([401, null]).toContain(r.status);
    expect(s.fleet.guard.bodiesParsed() - parsedBefore).toBe(0);
    console.log(
      `[hardening] 1 MB nested JSON: JSON.parse would take ${parseMs.toFixed(1)} ms; signed manifest alone ${aloneMs.toFixed(1)} ms, ` +
        `with 8 unauthenticated 1 MB bodies in flight ${duringMs.toFixed(1)} ms; event-loop delay max ${(loop.max / 1e6).toFixed(1)} ms, ` +
        `p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms (before: 190–300 ms per body, 1.6 s for the signed request)`,
    );
  });
});

describe('body limits per route', () => {
  it('a heartbeat larger than its limit is refused 413 even when signed; an events batch has room for the protocol maximum', async () => {
    const p = `/v1/kiosks/${k.id}/heartbeat`;
    const big = JSON.stringify({ freeBySize: free, faults: [], outboxDepth: 0, version: '1', pad: 'x'.repeat(BODY_LIMITS.heartbeat) });
    const r = await fetch(s.url + p, { method: 'POST', headers: { ...signRequest({ kioskId: k.id, secret: k.secret, method: 'POST', path: p, body: big }), 'content-type': 'application/json' }, body: big });
    expect(r.status).toBe(413);
    expect(BODY_LIMITS.events).toBeGreaterThanOrEqual(MAX_EVENTS_PER_BATCH * MAX_EVENT_JSON_BYTES);
  });

  it('the largest event the protocol allows fits MAX_EVENT_JSON_BYTES (what the events limit is sized from)', () => {
    const worst = SyncEvent.parse({
      id: randomUUID(),
      type: 'problem.reported',
      occurredAt: new Date().toISOString(),
      payload: {
        kind: 'wrong_parcel',
        // Every character 3 bytes in UTF-8, at the schema's maximum length.
        note: '€'.repeat(500),
        reference: '€'.repeat(40),
        barcode: 'B'.repeat(40),
        parcelId: `p_${'a'.repeat(40)}`,
        compartmentId: 'A01',
      },
    });
    expect(Buffer.byteLength(JSON.stringify(worst))).toBeLessThanOrEqual(MAX_EVENT_JSON_BYTES);
  });

  it('text/plain is not taken at all (415), whoever sends it', async () => {
    const r = await rawPost(s.port, '/v1/kiosks/enroll', Buffer.from('hello'), { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
  });
});
