import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom, systemClock } from '../../src-main/clock';
import { loadConfig } from '../../src-main/config';
import type { KioskContext } from '../../src-main/context';
import { openDatabase } from '../../src-main/store/sqlite';
import { kioskMigrations } from '../../src-main/store/migrations/index';
import { createSync } from '../../src-main/sync/index';
import { backoffDelay } from '../../src-main/sync/backoff';
import { deliver, FAST_SYNC, startKiosk, startServer, tempDir, until } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

/** A pass-through proxy in front of the server that can swallow the server's answer to chosen requests. */
async function startProxy(target: string, dropAnswer: (req: http.IncomingMessage, n: number) => boolean) {
  const seen: Array<{ method: string; path: string; status: number | null; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const n = seen.filter((s) => s.path.split('?')[0] === req.url!.split('?')[0]).length;
      const entry = { method: req.method!, path: req.url!, status: null as number | null, body: '' };
      seen.push(entry);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const upstream = await fetch(target + req.url, { method: req.method, headers, body });
      entry.status = upstream.status;
      entry.body = await upstream.text();
      if (dropAnswer(req, n)) {
        req.socket.destroy(); // the server applied it; the kiosk never hears back
        return;
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(entry.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('sync client', () => {
  it('a batch whose answer was lost is sent again and applied once (the UUID is the idempotency key)', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const proxy = await startProxy(server.url, (req, n) => req.url!.endsWith('/events') && n === 0);
    cleanup.push(() => proxy.close());
    const k = await startKiosk({ url: proxy.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    await server.createShipment({ barcode: 'LOST-00001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    await k.core.ctx.sync.syncNow();
    const { sessionId } = await k.call('authBadge', { badge: (await server.issueBadge({ role: 'driver', name: 'D' })).token });
    await deliver(k, sessionId, 'LOST-00001');
    await until(() => k.core.ctx.sync.status().outboxDepth === 0, 5000, 'outbox drained');
    const posts = proxy.seen.filter((s) => s.path.endsWith('/events'));
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(posts[0]!.body).results[0].outcome).toBe('applied');
    expect(JSON.parse(posts[1]!.body).results[0].outcome).toBe('duplicate');
    expect(await server.eventCount(k.kioskId())).toBe(1);
    expect((await server.parcel('LOST-00001'))!.status).toBe('deposited');
  });

  it('goes offline when the server stops (event + reason), and back online by itself when it returns', async () => {
    let server = await startServer();
    const { dataDir, port, databaseUrl } = server;
    cleanup.push(() => server.close());
    const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    expect(k.core.ctx.sync.status().status).toBe('online');
    await server.close();
    await k.core.ctx.sync.syncNow();
    const st = k.core.ctx.sync.status();
    expect(st.status).toBe('offline');
    expect(st.lastError).toMatch(/ECONNREFUSED/);
    expect(k.events.filter((e) => e.event === 'connectivity').map((e) => (e.payload as { status: string }).status)).toContain('offline');
    // Offline, a queued event moves the banner's count at once (and sends nothing).
    await k.call('pickupReportProblem', { kind: 'other', note: 'while offline' });
    expect(k.events.filter((e) => e.event === 'connectivity').at(-1)!.payload).toMatchObject({ status: 'offline', outboxDepth: 1 });
    server = await startServer({ dataDir, port, ...(databaseUrl ? { databaseUrl } : {}) });
    cleanup.push(() => server.close());
    await until(() => k.core.ctx.sync.status().status === 'online', 5000, 'back online without help');
    expect(k.core.ctx.sync.status().lastError).toBeNull();
    expect(k.events.filter((e) => e.event === 'connectivity').at(-1)!.payload).toMatchObject({ status: 'online' });
  });

  it('pushes a queued event at once (nudge) instead of waiting for the next cycle', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken(), sync: { intervalMs: 60_000 } });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    await server.createShipment({ barcode: 'NUDGE-0001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    await k.core.ctx.sync.syncNow();
    const { sessionId } = await k.call('authBadge', { badge: (await server.issueBadge({ role: 'driver', name: 'D' })).token });
    await deliver(k, sessionId, 'NUDGE-0001');
    const t0 = Date.now();
    await until(async () => (await server.parcel('NUDGE-0001'))?.status === 'deposited', 2000, 'the nudged push');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a burst of 100 queued events becomes a couple of pushes, not 100 (nudge coalesces)', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const proxy = await startProxy(server.url, () => false);
    cleanup.push(() => proxy.close());
    const k = await startKiosk({ url: proxy.url, token: await server.createEnrollmentToken(), sync: { intervalMs: 60_000, nudgeDebounceMs: 30 } });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    const pushes = () => proxy.seen.filter((r) => r.method === 'POST' && r.path.endsWith('/events')).length;
    const before = pushes();
    const outbox = k.core.ctx.services.repos.outbox;
    for (let i = 0; i < 100; i++) {
      outbox.enqueue('door.left_open', { compartmentId: 'A01', openForMs: i }, Date.now());
      k.core.ctx.sync.nudge();
    }
    await until(() => k.core.ctx.sync.status().outboxDepth === 0, 3000, 'the burst delivered');
    await new Promise((r) => setTimeout(r, 100)); // no stragglers
    expect(pushes() - before).toBeLessThanOrEqual(2);
    const counted = await fetch(`${server.url}/v1/admin/kiosks/${k.kioskId()}/events`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    expect(((await counted.json()) as { events: { type: string }[] }).events.filter((e) => e.type === 'door.left_open')).toHaveLength(100);
  });

  it('sets a malformed outbox event aside and delivers the rest', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    const { outbox } = k.core.ctx.services.repos;
    const now = Date.now();
    outbox.enqueue('door.forced_open', { compartmentId: 'A01' }, now);
    // A wrong type (an unknown field would be dropped, ADR protocol-version). `enqueue` refuses it now (OutboxContractError),
    // so it is written as an older kiosk version or a damaged row would have left it.
    const bad = '00000000-0000-4000-8000-0000000000b1';
    k.core.ctx.db.prepare('INSERT INTO outbox (id, type, occurred_at, payload) VALUES (?, ?, ?, ?)').run(bad, 'door.forced_open', now, JSON.stringify({ compartmentId: 42 }));
    outbox.enqueue('door.left_open', { compartmentId: 'A02', openForMs: 90_000 }, now);
    await k.core.ctx.sync.syncNow();
    expect(k.core.ctx.sync.status()).toMatchObject({ status: 'online', outboxDepth: 1 });
    expect(await server.eventCount(k.kioskId())).toBe(2);
    const row = k.core.ctx.db.prepare('SELECT next_attempt_at, last_error FROM outbox WHERE id = ?').get(bad) as { next_attempt_at: number; last_error: string };
    expect(row.next_attempt_at).toBeGreaterThan(now + 60_000);
    expect(row.last_error).toMatch(/contract/);
  });

  it('heartbeats availability, faults, outbox depth and version to the fleet page', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    const { compartments } = k.core.ctx.services.repos;
    const size = compartments.get('A01')!.size;
    const before = (await server.fleet()).find((f) => f.kioskId === k.kioskId())!;
    compartments.setService('A01', false, 'broken hinge');
    await k.core.ctx.sync.syncNow();
    const after = (await server.fleet()).find((f) => f.kioskId === k.kioskId())!;
    expect(after).toMatchObject({ online: true, outboxDepth: 0, version: '0.1.0-test' });
    expect(after.freeBySize![size]).toBe(before.freeBySize![size] - 1);
    expect(after.faults).toContainEqual({ code: 'OUT_OF_SERVICE', compartmentId: 'A01', message: 'broken hinge' });
  });

  it('without a token an unenrolled kiosk says what is missing', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const k = await startKiosk({ url: server.url });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    expect(k.core.ctx.sync.status()).toMatchObject({ status: 'offline', lastError: expect.stringMatching(/--enrollment-token/) });
    expect(k.kioskId()).toBe('unenrolled');
  });

  it('on real hardware with no server configured, sync stays offline and says why', async () => {
    const dir = tempDir('sync-nosrv-');
    const db = openDatabase(path.join(dir, 'kiosk.db'), kioskMigrations);
    cleanup.push(async () => db.close());
    const config = loadConfig(['--data-dir', dir, '--protocol', 'kerong-cu16', '--serial-path', '/dev/null'], {});
    const ctx = { config, dataDir: dir, db, simulator: null, clock: systemClock, random: seededRandom(1), emit: () => {} } as unknown as KioskContext;
    const sync = await createSync(ctx, FAST_SYNC);
    await sync.syncNow();
    expect(sync.status()).toEqual({ status: 'offline', lastSyncAt: null, outboxDepth: 0, lastError: 'no fleet server configured' });
    await sync.close();
  });
});

describe('backoff', () => {
  it('full jitter within an exponential ceiling, capped', () => {
    const random = seededRandom(7);
    const o = { baseMs: 1000, capMs: 60_000 };
    expect(backoffDelay(0, o, random)).toBe(0);
    for (let n = 1; n <= 12; n++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** (n - 1));
      const samples = Array.from({ length: 200 }, () => backoffDelay(n, o, random));
      expect(Math.max(...samples)).toBeLessThan(ceiling);
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
      // Full jitter: spread over the whole range, not clustered at the ceiling.
      expect(Math.min(...samples)).toBeLessThan(ceiling * 0.1);
      expect(Math.max(...samples)).toBeGreaterThan(ceiling * 0.9);
    }
    expect(backoffDelay(1000, o, random)).toBeLessThan(60_000);
  });
});
