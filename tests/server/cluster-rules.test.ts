import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBadge } from '../../src-common/badge-verify';
import { startFleetServer, type FleetServer, type StartFleetServerOptions } from '../../src-server/embedded';
import { silentLogger } from '../../src-server/log';
import { ManifestResponse, type EnrollResponse } from '../../src-shared/sync-protocol';
import { admin, deposited, http, TestKiosk } from './helpers';
import { createTestDatabase } from './pg';
import { startSmsGateway } from './sinks';

/**
 * Two real fleet-server instances on ONE PostgreSQL database (issue 11): every rule that one process used to guarantee
 * must now hold in the database. Both instances listen on loopback and share a keys directory, as a cluster would.
 */
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const LIMITS = { rate: { perAddress: 100_000, perKiosk: 100_000, perAdminKey: 100_000, unauthenticatedPerAddress: 100_000 } };

async function pair(extra: Partial<StartFleetServerOptions> = {}): Promise<{ a: FleetServer; b: FleetServer; url: string; keysDir: string }> {
  const db = await createTestDatabase();
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-keys-'));
  const start = () =>
    startFleetServer({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-inst-')),
      databaseUrl: db.url,
      keysDir,
      port: 0,
      log: silentLogger,
      sweepIntervalMs: 0,
      limits: LIMITS,
      ...extra,
    });
  const [a, b] = await Promise.all([start(), start()]);
  cleanup.push(async () => {
    await Promise.all([a.close(), b.close()]);
    await db.drop();
  });
  return { a, b, url: db.url, keysDir };
}

const ship = (s: FleetServer, kioskId: string, barcode: string, size = 'S') =>
  admin(s, 'POST', '/v1/shipments', { barcode, size, kioskId, recipient: { phone: '+48500100200' } });

describe('two instances on one PostgreSQL database', () => {
  let a: FleetServer;
  let b: FleetServer;
  beforeAll(async () => {
    ({ a, b } = await pair());
  });

  it('started at the same moment on an empty database and keys dir, they hold one key set: a badge from either opens any kiosk', async () => {
    expect(a.adminKey).toBe(b.adminKey);
    expect(a.badgePublicKey).toBe(b.badgePublicKey);
    const k = await TestKiosk.enroll(b);
    const badge = await a.issueBadge({ role: 'driver', name: 'Dana' });
    expect(verifyBadge(badge.token, k.creds.badgePublicKey, Date.now())).toMatchObject({ ok: true });
    // What one sealed, the other opens: a kiosk enrolled at B signs requests A accepts.
    expect((await new TestKiosk(a.url, k.creds).manifest()).status).toBe(200);
  });

  it('concurrent intakes against one kiosk’s capacity, half on each instance: never more accepted than fit', async () => {
    const k = await TestKiosk.enroll(a, { S: 3, M: 0, L: 0, XL: 0 });
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => ship(i % 2 ? a : b, k.id, `CAP-${k.id.slice(2, 8)}-${i}`)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 409).every((r) => r.body.error.code === 'NO_CAPACITY')).toBe(true);
    expect((await a.fleet()).find((f) => f.kioskId === k.id)!.expected).toBe(3);
  });

  it('one barcode sent to two kiosks at once, through both instances: accepted once, the other DUPLICATE', async () => {
    const k1 = await TestKiosk.enroll(a);
    const k2 = await TestKiosk.enroll(b);
    for (let i = 0; i < 8; i++) {
      const barcode = `DUP-${k1.id.slice(2, 8)}-${i}`;
      const [x, y] = await Promise.all([ship(a, k1.id, barcode), ship(b, k2.id, barcode)]);
      expect([x.status, y.status].sort()).toEqual([201, 409]);
      expect([x, y].find((r) => r.status === 409)!.body.error.code).toBe('DUPLICATE');
    }
  });

  it('one enrollment token used twice at once: one kiosk', async () => {
    for (let i = 0; i < 6; i++) {
      const token = await a.createEnrollmentToken();
      const before = (await a.fleet()).length;
      const enroll = (s: FleetServer) =>
        http<EnrollResponse>(s.url + '/v1/kiosks/enroll', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ enrollmentToken: token, capacity: { S: 1, M: 0, L: 0, XL: 0 } }),
        });
      const [x, y] = await Promise.all([enroll(a), enroll(b)]);
      expect([x.status, y.status].sort()).toEqual([200, 401]);
      expect((await b.fleet()).length).toBe(before + 1);
    }
  });

  it('a manifest reader racing concurrent appends on both instances skips no entry', async () => {
    const k = await TestKiosk.enroll(a, { S: 500, M: 0, L: 0, XL: 0 });
    const readers = [new TestKiosk(a.url, k.creds), new TestKiosk(b.url, k.creds)];
    const created: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let round = 0; round < 12; round++) {
        const batch = await Promise.all(Array.from({ length: 8 }, (_, i) => ship(i % 2 ? a : b, k.id, `RACE-${k.id.slice(2, 8)}-${round}-${i}`)));
        for (const r of batch) if (r.status === 201) created.push(r.body.barcode);
      }
      writing = false;
    })();
    const seen: string[] = [];
    let cursor = '0';
    let reads = 0;
    for (;;) {
      const wasWriting = writing;
      const m = ManifestResponse.parse((await readers[reads++ % 2]!.manifest(cursor, 5)).body);
      seen.push(...m.expected.map((e) => e.barcode));
      cursor = m.nextCursor;
      if (!wasWriting && !m.hasMore) break;
    }
    await writer;
    expect(created).toHaveLength(96);
    expect(reads).toBeGreaterThan(10); // the reader really ran alongside the writers
    expect([...seen].sort()).toEqual([...created].sort()); // each entry once, none skipped
  });

  it('extend racing the sweep: no reminder ever announces a superseded expiry, and each expiry gets its reminder once', async () => {
    // The sweep runs on A while B extends each deposited parcel; whichever commits first, the other sees it.
    let clock = Date.now();
    const { a: sa, b: sb } = await pair({ now: () => clock, channels: { console: () => undefined }, notifications: { pollMs: 60_000 } });
    const k = await TestKiosk.enroll(sa, { S: 30, M: 0, L: 0, XL: 0 });
    const parcels = [];
    for (let i = 0; i < 20; i++) parcels.push(await sa.createShipment({ barcode: `EXSW-${i}`, size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } }));
    await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: parcels.map((p) => deposited(p.parcelId, p.barcode, 'A01', 'S', clock)) }, { now: clock });
    clock += 2 * 86400_000 + 3600_000; // 23 h to go: every reminder is due
    await Promise.all([sa.sweep(), ...parcels.map((p) => sb.extendShipment(p.barcode, 2))]);
    const stale = await sa.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM notifications n JOIN parcels p ON p.id = n.parcel_id
       WHERE n.kind = 'reminder' AND n.status = 'pending' AND n.for_expiry <> p.expires_at`,
    );
    expect(Number(stale[0]!.n)).toBe(0);
    clock += 2 * 86400_000; // the new expiries are a day away: one reminder each, whichever instance sweeps
    await Promise.all([sa.sweep(), sb.sweep()]);
    const rows = await sa.query<{ parcel_id: string; for_expiry: number; expires_at: number }>(
      `SELECT n.parcel_id, n.for_expiry, p.expires_at FROM notifications n JOIN parcels p ON p.id = n.parcel_id
       WHERE n.kind = 'reminder' AND n.status <> 'dead'`,
    );
    const current = rows.filter((r) => Number(r.for_expiry) === Number(r.expires_at));
    expect(current).toHaveLength(20);
    expect(new Set(current.map((r) => r.parcel_id)).size).toBe(20);
  });

  it('two outbox workers against one counting SMS gateway: each message sent once', async () => {
    const sms = await startSmsGateway();
    cleanup.push(() => sms.close());
    const { a: oa, b: ob } = await pair({ channels: { smsUrl: sms.url, timeoutMs: 5000 }, notifications: { pollMs: 10, baseDelayMs: 50, maxDelayMs: 5000 } });
    const k = await TestKiosk.enroll(oa, { S: 60, M: 0, L: 0, XL: 0 });
    const parcels = [];
    for (let i = 0; i < 50; i++) {
      parcels.push(await (i % 2 ? oa : ob).createShipment({ barcode: `SMS-${i}`, size: 'S', kioskId: k.id, recipient: { phone: `+4850020${String(i).padStart(4, '0')}` } }));
    }
    // Deposits through both instances: both outboxes are woken, both poll every 10 ms.
    const half = parcels.length / 2;
    await Promise.all([
      k.events(parcels.slice(0, half).map((p) => deposited(p.parcelId, p.barcode))),
      new TestKiosk(ob.url, k.creds).events(parcels.slice(half).map((p) => deposited(p.parcelId, p.barcode))),
    ]);
    const sent = async () => Number((await oa.query<{ n: number }>(`SELECT COUNT(*) AS n FROM notifications WHERE status = 'sent'`))[0]!.n);
    const end = Date.now() + 15_000;
    while ((await sent()) < 50 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    expect(await sent()).toBe(50);
    expect(sms.messages).toHaveLength(50);
    expect(new Set(sms.messages.map((m) => m.to)).size).toBe(50);
  });
});

describe('keys belong to the fleet, not to an instance', () => {
  it('refuses to invent keys for a database that already has kiosks, and refuses a keys dir of another fleet', async () => {
    const { a, url } = await pair();
    await TestKiosk.enroll(a);
    const start = (keysDir: string) =>
      startFleetServer({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-inst-')), databaseUrl: url, keysDir, port: 0, log: silentLogger, sweepIntervalMs: 0 });
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-keys-'));
    await expect(start(empty)).rejects.toMatchObject({ code: 'KEYS_MISSING' });
    expect(fs.readdirSync(empty)).toEqual([]); // nothing invented
    // Another fleet's keys (filled by a server on its own database) do not open this one.
    const other = await pair();
    await expect(start(other.keysDir)).rejects.toMatchObject({ code: 'KEYS_MISMATCH' });
    // The keys directory is private.
    expect(fs.statSync(other.keysDir).mode & 0o777).toBe(0o700);
    for (const f of fs.readdirSync(other.keysDir)) expect(fs.statSync(path.join(other.keysDir, f)).mode & 0o777).toBe(0o600);
  });
});
