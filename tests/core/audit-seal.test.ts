import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src-main/clock';
import { loadLayout } from '../../src-main/hardware/index';
import { AuditArchive, AUDIT_LIVE_DAYS } from '../../src-main/store/audit-archive';
import { createRepos, type Repos } from '../../src-main/store/index';
import { kioskMigrations } from '../../src-main/store/migrations/index';
import { openDatabase, type Db } from '../../src-main/store/sqlite';
import { SECRET_B64, tempDir } from './harness';

/**
 * The audit chain checked from a seal, and archived behind one (issue 14, ADR flat-history). Counts rows read, never
 * time: a check after N new entries reads N (plus nothing else), whatever the history before the seal.
 */
let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
});

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 12);

function open(): { db: Db; repos: Repos; dir: string; archive: AuditArchive } {
  const dir = tempDir();
  db = openDatabase(path.join(dir, 'kiosk.db'), kioskMigrations);
  const repos = createRepos(db, { dataDir: dir, random: seededRandom(1) });
  repos.compartments.syncFromLayout(loadLayout('demo-24'));
  repos.enrollment.setEnrollment({ kioskId: 'K-TEST0001', kioskSecret: SECRET_B64, badgePublicKey: 'none' });
  return { db, repos, dir, archive: new AuditArchive(db, repos.audit, path.join(dir, 'audit-archive')) };
}
const unlock = (d: Db) => d.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
const append = (repos: Repos, n: number, at: (i: number) => number) => {
  for (let i = 0; i < n; i++) repos.audit.append(at(i), 'system', 'test.entry', { i });
};

describe('audit check from the seal', () => {
  it('reads only the entries appended since the last check, and counts every live entry as covered', () => {
    const { repos } = open();
    append(repos, 300, (i) => NOW + i);
    expect(repos.audit.verify({ now: NOW })).toEqual({ ok: true, checked: 300, brokenAt: null, read: 300 });
    append(repos, 5, (i) => NOW + 2_000 + i);
    expect(repos.audit.verify({ now: NOW })).toEqual({ ok: true, checked: 305, brokenAt: null, read: 5 });
    expect(repos.audit.verify({ now: NOW })).toEqual({ ok: true, checked: 305, brokenAt: null, read: 0 });
    expect(repos.audit.verify({ full: true, now: NOW })).toMatchObject({ ok: true, read: 305 });
  });

  it('finds an edited entry after the seal, and an edit of the sealed entry itself', () => {
    const { db, repos } = open();
    append(repos, 50, (i) => NOW + i);
    repos.audit.verify({ now: NOW });
    append(repos, 10, (i) => NOW + 100 + i);
    unlock(db);
    db.exec(`UPDATE audit_log SET detail = '{"i":99}' WHERE id = 55`);
    expect(repos.audit.verify({ now: NOW })).toMatchObject({ ok: false, brokenAt: 55, read: 5 });
    db.exec(`UPDATE audit_log SET detail = '{"i":0}', hash = prev_hash WHERE id = 50`);
    // The sealed row no longer has the sealed hash: the check does not trust the seal and starts from genesis.
    expect(repos.audit.verify({ now: NOW })).toMatchObject({ ok: false, brokenAt: 50 });
  });

  it('an edit below the seal is the full check’s to find; a forged seal moved past an edit is not trusted', () => {
    const { db, repos } = open();
    append(repos, 30, (i) => NOW + i);
    repos.audit.verify({ now: NOW });
    unlock(db);
    db.exec(`UPDATE audit_log SET actor = 'evil' WHERE id = 7`);
    expect(repos.audit.verify({ now: NOW })).toMatchObject({ ok: true, read: 0 });
    expect(repos.audit.verify({ full: true, now: NOW })).toMatchObject({ ok: false, brokenAt: 7 });
    // Someone without the kiosk secret rewrites the seal to a later entry: its MAC does not verify.
    append(repos, 3, (i) => NOW + 40 + i);
    const head = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string };
    db.prepare("UPDATE audit_seals SET id = ?, hash = ?, mac = ? WHERE kind = 'verified'").run(head.id, head.hash, 'ab'.repeat(32));
    db.exec(`UPDATE audit_log SET actor = 'evil' WHERE id = 31`);
    expect(repos.audit.verify({ now: NOW })).toMatchObject({ ok: false, brokenAt: 7 });
  });
});

describe('audit archive', () => {
  function aged() {
    const o = open();
    // 300 entries a year old, then 20 from the last week.
    append(o.repos, 300, (i) => NOW - 365 * DAY + i * 1_000);
    append(o.repos, 20, (i) => NOW - 7 * DAY + i * 1_000);
    return o;
  }

  it('moves old entries to a file behind the archived seal: the table shrinks, the chain still verifies, a live edit is still found', () => {
    const { db, repos, archive } = aged();
    expect(archive.due(NOW)).toBe(true);
    const step = archive.archive(NOW);
    expect(step).toMatchObject({ archived: 300, fromId: 1, toId: 300, refused: null });
    expect(fs.existsSync(step.file!)).toBe(true);
    expect((db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(21); // 20 + audit.archived
    expect(archive.due(NOW)).toBe(false);
    expect(repos.audit.verify({ full: true, now: NOW })).toEqual({ ok: true, checked: 21, brokenAt: null, read: 21 });
    expect(archive.verifyAll(NOW)).toEqual({ ok: true, archived: 300, live: 21, brokenAt: null });
    expect(repos.audit.recent(1)[0]).toMatchObject({ action: 'audit.archived' });
    // The DELETE trigger still refuses every live entry; the archived seal never moves back.
    expect(() => db.exec('DELETE FROM audit_log WHERE id = 301')).toThrow(/append-only/);
    expect(() => db.exec("UPDATE audit_seals SET id = 10 WHERE kind = 'archived'")).toThrow(/only moves forward/);
    expect(() => db.exec("DELETE FROM audit_seals WHERE kind = 'archived'")).toThrow(/only moves forward/);
    repos.audit.append(NOW, 'system', 'after.archive', {});
    unlock(db);
    db.exec(`UPDATE audit_log SET detail = '{"i":99}' WHERE id = 322`);
    expect(repos.audit.verify({ now: NOW })).toMatchObject({ ok: false, brokenAt: 322, read: 1 });
    db.exec(`UPDATE audit_log SET detail = '{"i":99}' WHERE id = 310`);
    expect(repos.audit.verify({ full: true, now: NOW })).toMatchObject({ ok: false, brokenAt: 310 });
  });

  it('a missing or edited archive file fails the full check; the live chain alone still verifies', () => {
    const { repos, archive } = aged();
    const step = archive.archive(NOW);
    fs.rmSync(step.file!);
    expect(archive.verifyAll(NOW)).toMatchObject({ ok: false, brokenAt: 1 });
    expect(repos.audit.verify({ full: true, now: NOW }).ok).toBe(true);
  });

  it('is one transaction: a failure inside it leaves every entry live, the seal where it was and the chain intact', () => {
    const { db, repos, archive } = aged();
    db.exec("CREATE TRIGGER fail_archive BEFORE INSERT ON audit_log WHEN NEW.action = 'audit.archived' BEGIN SELECT RAISE(ABORT, 'disk gone'); END");
    expect(() => archive.archive(NOW)).toThrow(/disk gone/);
    expect((db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(320);
    expect(repos.audit.seal('archived')).toBeNull();
    expect(repos.audit.verify({ full: true, now: NOW })).toMatchObject({ ok: true, read: 320 });
    db.exec('DROP TRIGGER fail_archive');
    expect(archive.archive(NOW)).toMatchObject({ archived: 300 });
    expect(archive.verifyAll(NOW)).toMatchObject({ ok: true, archived: 300 }); // the interrupted step's file was replaced
  });

  it('keeps what must stay live: an unacknowledged alarm’s entry and everything after it, and a broken chain', () => {
    const { db, repos, archive } = aged();
    repos.alarms.insert(NOW, 'jammed', 'A01', 120);
    expect(archive.archive(NOW)).toMatchObject({ archived: 119, toId: 119 });
    repos.alarms.acknowledge(undefined, NOW, 'technician:b_x');
    expect(archive.archive(NOW)).toMatchObject({ archived: 181, fromId: 120, toId: 300 });
    expect((db.prepare('SELECT count(*) AS n FROM alarms').get() as { n: number }).n).toBe(0);
    const o = aged();
    unlock(o.db);
    o.db.exec(`UPDATE audit_log SET actor = 'evil' WHERE id = 320`);
    expect(o.archive.archive(NOW)).toMatchObject({ archived: 0, refused: 'chain_broken' });
    o.db.close();
  });

  it('bounds the live table by the window, in batches', () => {
    const { db, archive } = aged();
    expect(archive.archive(NOW, { maxRows: 100 })).toMatchObject({ archived: 100, toId: 100 });
    expect(archive.archive(NOW, { maxRows: 100 })).toMatchObject({ archived: 100, toId: 200 });
    const oldest = db.prepare('SELECT min(at) AS at FROM audit_log').get() as { at: number };
    expect(oldest.at).toBeLessThan(NOW - AUDIT_LIVE_DAYS * DAY);
    archive.archive(NOW);
    expect((db.prepare('SELECT min(at) AS at FROM audit_log').get() as { at: number }).at).toBeGreaterThanOrEqual(NOW - AUDIT_LIVE_DAYS * DAY);
  });
});
