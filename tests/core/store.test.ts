import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src-main/clock';
import { TransitionError } from '../../src-main/domain/parcel';
import { createRepos, type Repos } from '../../src-main/store/index';
import { auditHash } from '../../src-main/store/audit';
import { kioskMigrations } from '../../src-main/store/migrations/index';
import { openDatabase, schemaVersion, type Db } from '../../src-main/store/sqlite';
import { loadLayout } from '../../src-main/hardware/index';
import { tempDir } from './harness';

let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
});

function open(): { db: Db; repos: Repos; dir: string } {
  const dir = tempDir();
  db = openDatabase(path.join(dir, 'kiosk.db'), kioskMigrations);
  const repos = createRepos(db, { dataDir: dir, random: seededRandom(1) });
  repos.compartments.syncFromLayout(loadLayout('demo-24'));
  return { db, repos, dir };
}

const T = Date.UTC(2026, 10, 22, 12);

function plan(db: Db, sql: string): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
}

describe('schema', () => {
  it('migrates to the latest version and seeds compartments from the layout', () => {
    const { db, repos } = open();
    expect(schemaVersion(db)).toBe(kioskMigrations.length);
    expect(repos.compartments.all()).toHaveLength(24);
    expect(repos.compartments.freeBySize()).toEqual({ S: 8, M: 8, L: 5, XL: 3 });
    const again = repos.compartments.syncFromLayout(loadLayout('demo-24'));
    expect(again).toEqual({ added: 0, removed: 0 });
  });

  it('uses an index for every hot-path query (EXPLAIN QUERY PLAN)', () => {
    const { db } = open();
    const cases: Array<[string, RegExp]> = [
      ["SELECT * FROM parcels WHERE code_digest = 'x'", /USING INDEX parcels_code/],
      ["SELECT * FROM parcels WHERE spent_digest = 'x' AND grace_until >= 1", /USING INDEX parcels_spent_code/],
      ["SELECT * FROM parcels WHERE barcode = 'x' AND status IN ('expected','deposited','expired')", /USING INDEX parcels_(active_)?barcode/],
      ["SELECT * FROM parcels WHERE status = 'deposited' AND expires_at <= 5", /USING INDEX parcels_status_expiry/],
      ["SELECT * FROM parcels WHERE compartment_id = 'A01' AND status IN ('expected','deposited','expired')", /USING INDEX parcels_compartment_active/],
      ["SELECT * FROM door_operations WHERE state IN ('requested','unlocked','opened')", /USING INDEX door_ops_unfinished/],
      ["SELECT * FROM door_operations WHERE compartment_id = 'A01' AND state IN ('requested','unlocked','opened')", /USING INDEX door_ops_compartment/],
      ['SELECT * FROM outbox WHERE acked_at IS NULL AND next_attempt_at <= 5 ORDER BY seq LIMIT 10', /USING INDEX outbox_(pending|unacked_seq)/],
      ["SELECT count(*) FROM failed_attempts WHERE scope = 'code' AND at > 5", /USING (COVERING )?INDEX failed_attempts_scope_at/],
      ["SELECT 1 FROM revoked_badges WHERE badge_id = 'b'", /USING (INDEX|PRIMARY KEY|COVERING INDEX) sqlite_autoindex_revoked_badges/],
    ];
    for (const [sql, want] of cases) expect(plan(db, sql), sql).toMatch(want);
    const free = plan(
      db,
      `SELECT c.id FROM compartments c WHERE c.in_layout = 1 AND c.in_service = 1
       AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.compartment_id = c.id AND p.status IN ('expected','deposited','expired'))
       AND NOT EXISTS (SELECT 1 FROM door_operations d WHERE d.compartment_id = c.id AND d.state IN ('requested','unlocked','opened'))`,
    );
    expect(free).toMatch(/parcels_compartment_active/);
    expect(free).toMatch(/door_ops_compartment/);
  });

  it('refuses a second active parcel in one compartment, and duplicate active codes', () => {
    const { repos } = open();
    const base = { size: 'S' as const, accessible: false, pickupWindowDays: 3 };
    repos.parcels.upsertExpected({ ...base, id: 'p_aaaaaaaa1', barcode: 'B-0001', codeDigest: 'a'.repeat(64) }, T);
    repos.parcels.upsertExpected({ ...base, id: 'p_aaaaaaaa2', barcode: 'B-0002', codeDigest: 'b'.repeat(64) }, T);
    repos.parcels.patch('p_aaaaaaaa1', { compartment_id: 'A01' }, T);
    expect(() => repos.parcels.patch('p_aaaaaaaa2', { compartment_id: 'A01' }, T)).toThrow(/UNIQUE/);
    expect(() => repos.parcels.upsertExpected({ ...base, id: 'p_aaaaaaaa3', barcode: 'B-0003', codeDigest: 'a'.repeat(64) }, T)).toThrow(/UNIQUE/);
  });

  it('enforces the parcel lifecycle', () => {
    const { repos } = open();
    repos.parcels.upsertExpected({ id: 'p_bbbbbbbb1', barcode: 'B-0101', size: 'M', codeDigest: 'c'.repeat(64), accessible: false, pickupWindowDays: 3 }, T);
    expect(() => repos.parcels.transition('p_bbbbbbbb1', 'picked_up', {}, T)).toThrow(TransitionError);
    repos.parcels.patch('p_bbbbbbbb1', { compartment_id: 'A04' }, T);
    repos.parcels.transition('p_bbbbbbbb1', 'deposited', { deposited_at: T, expires_at: T + 1 }, T);
    expect(() => repos.parcels.transition('p_bbbbbbbb1', 'cancelled', {}, T)).toThrow(TransitionError);
    expect(repos.parcels.cancel('p_bbbbbbbb1', T)).toBe(false);
    repos.parcels.transition('p_bbbbbbbb1', 'expired', { expired_at: T }, T);
    repos.parcels.transition('p_bbbbbbbb1', 'collected', { collected_at: T, code_digest: null }, T);
    expect(() => repos.parcels.transition('p_bbbbbbbb1', 'deposited', {}, T)).toThrow(TransitionError);
  });

  it('the door journal only moves forward', () => {
    const { repos } = open();
    repos.doorOps.insert({ id: 'op_000001', purpose: 'maintenance', compartmentId: 'A01', parcelId: null, actor: 't' }, T);
    expect(repos.doorOps.advance('op_000001', 'opened', T + 1)).toMatchObject({ state: 'opened', unlockedAt: T + 1, openedAt: T + 1 });
    expect(repos.doorOps.advance('op_000001', 'unlocked', T + 2)).toBeNull();
    expect(repos.doorOps.advance('op_000001', 'closed', T + 3)).toMatchObject({ state: 'closed', closedAt: T + 3 });
    expect(repos.doorOps.advance('op_000001', 'failed', T + 4)).toBeNull();
  });
});

describe('outbox', () => {
  it('queues UUID events; pending → failed with backoff → acked', () => {
    const { repos } = open();
    const a = repos.outbox.enqueue('door.forced_open', { compartmentId: 'A01' }, T);
    const b = repos.outbox.enqueue('door.forced_open', { compartmentId: 'A02' }, T + 1);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(repos.outbox.pending(T).map((e) => e.id)).toEqual([a, b]);
    repos.outbox.markFailed([a], T + 10_000, 'ECONNREFUSED');
    expect(repos.outbox.pending(T).map((e) => e.id)).toEqual([b]);
    expect(repos.outbox.pending(T + 10_000)[0]).toMatchObject({ id: a, attempts: 1, occurredAt: new Date(T).toISOString() });
    expect(repos.outbox.markAcked([a, b], T)).toBe(2);
    expect(repos.outbox.markAcked([a], T)).toBe(0);
    expect(repos.outbox.depth()).toBe(0);
  });
});

describe('audit chain', () => {
  // filled() leaves the verified seal at the head (entry 20): edits below it are the full check's to find
  // (the check from the seal, and what it catches, is tests/core/audit-seal.test.ts).
  function filled(): { db: Db; repos: Repos } {
    const o = open();
    for (let i = 0; i < 20; i++) o.repos.audit.append(T + i, 'system', 'test.entry', { i });
    expect(o.repos.audit.verify()).toEqual({ ok: true, checked: 20, brokenAt: null, read: 20 });
    return o;
  }
  const unlock = (db: Db) => db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');

  it('refuses UPDATE and DELETE through SQL', () => {
    const { db } = filled();
    expect(() => db.exec("UPDATE audit_log SET actor = 'x' WHERE id = 3")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit_log WHERE id = 3')).toThrow(/append-only/);
  });

  it('finds an edited row', () => {
    const { db, repos } = filled();
    unlock(db);
    db.exec(`UPDATE audit_log SET detail = '{"i":99}' WHERE id = 7`);
    expect(repos.audit.verify({ full: true })).toMatchObject({ ok: false, brokenAt: 7 });
  });

  it('finds a deleted row in the middle, and a deleted tail', () => {
    const { db, repos } = filled();
    unlock(db);
    db.exec('DELETE FROM audit_log WHERE id = 12');
    expect(repos.audit.verify({ full: true })).toMatchObject({ ok: false, brokenAt: 13 });
    const o2 = filled();
    unlock(o2.db);
    o2.db.exec('DELETE FROM audit_log WHERE id = 20');
    expect(o2.repos.audit.verify({ full: true })).toMatchObject({ ok: false, brokenAt: 20 });
    o2.db.close();
  });

  it('finds a row re-hashed by someone who does not rewrite the rest', () => {
    const { db, repos } = filled();
    unlock(db);
    const row = db.prepare('SELECT * FROM audit_log WHERE id = 5').get() as { prev_hash: string };
    const forged = auditHash(row.prev_hash, { id: 5, at: T, actor: 'evil', action: 'test.entry', detail: '{}' });
    db.prepare("UPDATE audit_log SET actor = 'evil', at = ?, detail = '{}', hash = ? WHERE id = 5").run(T, forged);
    expect(repos.audit.verify({ full: true })).toMatchObject({ ok: false, brokenAt: 6 });
  });
});

describe('enrollment', () => {
  it('keeps the kiosk secret out of the database, in a 0600 file', () => {
    const { db, repos, dir } = open();
    const secret = Buffer.alloc(32, 9).toString('base64');
    repos.enrollment.setEnrollment({ kioskId: 'K-ABCDEFGH', kioskSecret: secret, badgePublicKey: 'PEM' });
    expect(repos.enrollment.getKioskSecret()!.toString('base64')).toBe(secret);
    expect(repos.enrollment.kioskId()).toBe('K-ABCDEFGH');
    const file = path.join(dir, 'kiosk-secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const raw = fs.readFileSync(path.join(dir, 'kiosk.db')).toString('latin1');
    expect(raw).not.toContain(secret);
    // A secret file that does not match the database's fingerprint is not used.
    fs.writeFileSync(file, Buffer.alloc(32, 1).toString('base64'));
    const fresh = createRepos(db, { dataDir: dir, random: seededRandom(2) });
    expect(fresh.enrollment.getKioskSecret()).toBeNull();
  });
});
