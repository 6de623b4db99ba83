import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSqlite } from '../../src-server/store/migrate';
import { serverMigrations } from '../../src-server/store/migrations/index';
import { ManifestResponse, type SyncEvent } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { deposited, pickedUp, startTestServer, TestKiosk, type Started } from './helpers';

/**
 * Red team 13 (finding B), ADR personal-data, on SQLite (`unit`) and PostgreSQL (`postgres`): an `expected` manifest
 * entry carries the recipient's `groupKey` (an HMAC of their phone and e-mail at that kiosk). Erasing the parcel's
 * recipient nulled the parcel's fields but left the key in the manifest log for ever, still linking that person's parcels
 * at the kiosk. Now erasure on request and the retention purge strip it from the parcel's entries; a live parcel keeps
 * it (the kiosk still needs it for "all my parcels").
 */
const DAY = 86_400_000;
let s: Started;
let k: TestKiosk;
let offset = 0;
const now = () => Date.now() + offset;

beforeAll(async () => {
  s = await startTestServer({ now, channels: { console: () => {} }, personalDataDays: 90 });
  k = await TestKiosk.enroll(s.server);
});
afterAll(() => s.stop());

const send = async (events: SyncEvent[]) => {
  const r = await k.send('POST', `/v1/kiosks/${k.id}/events`, { events }, { now: now() });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const ship = (barcode: string, recipient: { email?: string; phone?: string }) => s.server.createShipment({ barcode, size: 'S', kioskId: k.id, recipient });
/** The stored `expected` entries of one parcel, parsed: what the log keeps. */
const entries = async (parcelId: string) =>
  (await s.server.query<{ body: string }>("SELECT body FROM manifest WHERE kind = 'expected' ORDER BY seq"))
    .map((r) => JSON.parse(r.body) as { parcelId: string; barcode: string; groupKey?: string })
    .filter((e) => e.parcelId === parcelId);
/** What a kiosk reading its manifest from the start is handed for one barcode. */
const handed = async (barcode: string) => ManifestResponse.parse((await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0`, undefined, { now: now() })).body).expected.find((e) => e.barcode === barcode);

describe('the group key after erasure', () => {
  it('erasure on request strips it from the finished parcel’s manifest entries; the live ones keep theirs until they finish', async () => {
    const phone = '+48500100815';
    const done = await ship('PDM-DONE', { phone, email: 'gk@example.com' });
    const live = await ship('PDM-LIVE', { phone, email: 'gk@example.com' });
    const other = await ship('PDM-OTHER', { phone: '+48500100816' });
    const key = (await entries(done.parcelId))[0]!.groupKey!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await entries(live.parcelId))[0]!.groupKey).toBe(key); // one person, one kiosk: one group
    await send([deposited(done.parcelId, done.barcode, 'A01', 'S', now()), deposited(live.parcelId, live.barcode, 'A02', 'S', now())]);
    await send([pickedUp(done.parcelId, done.barcode, 'A01', now())]);

    const admin = await operator(s.server, 'admin');
    const r = await admin.send('POST', '/console/api/personal-data/erase', { phone });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.erasedParcels.map((p: { barcode: string }) => p.barcode)).toEqual(['PDM-DONE']);

    // The finished parcel's entry is still there (its id, barcode, size), but no longer in anybody's group.
    const erased = await entries(done.parcelId);
    expect(erased).toHaveLength(1);
    expect(erased[0]).toMatchObject({ parcelId: done.parcelId, barcode: 'PDM-DONE' });
    expect(erased[0]!.groupKey).toBeUndefined();
    expect(JSON.stringify(await s.server.query("SELECT body FROM manifest WHERE kind = 'expected'"))).toContain(key); // the live one's
    const again = await handed('PDM-DONE');
    expect(again).toBeDefined();
    expect(again!.groupKey).toBeUndefined();
    // Still waiting: "all my parcels" at the kiosk still needs it; another recipient's parcel is untouched.
    expect((await entries(live.parcelId))[0]!.groupKey).toBe(key);
    expect((await entries(other.parcelId))[0]!.groupKey).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // Picked up: the next sweep erases it, group key included; now the log holds that key nowhere.
    await send([pickedUp(live.parcelId, live.barcode, 'A02', now())]);
    await s.server.sweep();
    expect((await entries(live.parcelId))[0]!.groupKey).toBeUndefined();
    expect(JSON.stringify(await s.server.query('SELECT body FROM manifest'))).not.toContain(key);
  });

  it('the retention purge strips it too, 90 days after the parcel finished', async () => {
    const p = await ship('PDM-RET', { email: 'kept@example.com' });
    const key = (await entries(p.parcelId))[0]!.groupKey!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await send([deposited(p.parcelId, p.barcode, 'A03', 'S', now())]);
    await send([pickedUp(p.parcelId, p.barcode, 'A03', now())]);
    offset += 89 * DAY;
    await s.server.sweep();
    expect((await entries(p.parcelId))[0]!.groupKey).toBe(key); // within the period
    offset += 2 * DAY;
    await s.server.sweep();
    expect((await entries(p.parcelId))[0]!.groupKey).toBeUndefined();
    expect(JSON.stringify(await s.server.query('SELECT body FROM manifest'))).not.toContain(key);
  });
});

describe('server migration 17 (SQLite)', () => {
  it('strips the key from parcels erased before it, keeps the others, and the erasure finds entries through its index', () => {
    const db = new Database(':memory:');
    migrateSqlite(db, ':memory:', serverMigrations.slice(0, 16));
    db.prepare(`INSERT INTO kiosks (id, secret_sealed, capacity_json, enrolled_at) VALUES ('K1', 'x', '{}', 1)`).run();
    const parcel = db.prepare(
      `INSERT INTO parcels (id, barcode, kiosk_id, size, status, code_digest, pickup_window_days, created_at, updated_at, personal_erased_at) VALUES (?, ?, 'K1', 'S', 'picked_up', ?, 3, 1, 1, ?)`,
    );
    parcel.run('p_erased', 'OLD-1', 'd1', 5);
    parcel.run('p_kept', 'OLD-2', 'd2', null);
    const entry = db.prepare(`INSERT INTO manifest (kiosk_id, seq, kind, body, created_at) VALUES ('K1', ?, 'expected', ?, 1)`);
    entry.run(1, JSON.stringify({ parcelId: 'p_erased', barcode: 'OLD-1', groupKey: 'AAAAAAAAAAAAAAAAAAAAAA' }));
    entry.run(2, JSON.stringify({ parcelId: 'p_kept', barcode: 'OLD-2', groupKey: 'BBBBBBBBBBBBBBBBBBBBBB' }));

    migrateSqlite(db, ':memory:', serverMigrations);
    const bodies = (db.prepare('SELECT body FROM manifest ORDER BY seq').all() as Array<{ body: string }>).map((r) => JSON.parse(r.body));
    expect(bodies).toEqual([
      { parcelId: 'p_erased', barcode: 'OLD-1' },
      { parcelId: 'p_kept', barcode: 'OLD-2', groupKey: 'BBBBBBBBBBBBBBBBBBBBBB' },
    ]);
    // The erasure's lookup (services/personal-data.ts) uses the index, not a walk through the whole log.
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT kiosk_id, seq, body FROM manifest WHERE kind = 'expected' AND json_extract(body, '$.parcelId') IN (?, ?)`).all('a', 'b');
    expect(JSON.stringify(plan)).toContain('manifest_expected_parcel');
    db.close();
  });
});
