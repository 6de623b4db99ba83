import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { damageMarked, startupIntegrity, watchIntegrity } from '../../src-main/store/integrity';
import { openKioskStore } from '../../src-main/store/kiosk-store';
import { kioskMigrations } from '../../src-main/store/migrations/index';
import { openDatabase } from '../../src-main/store/sqlite';

/**
 * ADR flat-history: above FULL_CHECK_MAX_BYTES start-up checks only what does not grow with history, and the full
 * `integrity_check` runs in a worker thread. What ADR 0007 promised still holds: an index that disagrees with its
 * table (red-team finding 8) is found (in the background, the event loop free meanwhile), the store is condemned
 * while running, and the next start refuses it in one line naming the file. A small store is still checked in full at
 * start (tests/foundation/store-integrity.test.ts, store-startup.test.ts).
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function spoiled(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-integrity-bg-'));
  dirs.push(d);
  const file = path.join(d, 'kiosk.db');
  const db = openDatabase(file, kioskMigrations);
  db.prepare("INSERT INTO parcels (id, barcode, size, accessible, status, pickup_window_days, created_at, updated_at, server_seq) VALUES ('p_0000000001', 'BC-0', 'S', 0, 'picked_up', 3, 1, 1, 1)").run();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const root = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'parcels_barcode'").get() as { rootpage: number }).rootpage;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = fs.openSync(file, 'r+');
  const page = Buffer.alloc(pageSize);
  fs.readSync(fd, page, 0, pageSize, (root - 1) * pageSize);
  page.write('A', page.indexOf('BC-0') + 1); // well-formed, but no longer the row's entry
  fs.writeSync(fd, page, 0, pageSize, (root - 1) * pageSize);
  fs.closeSync(fd);
  return file;
}

describe('background integrity check', () => {
  it('a store over the start-up bound: found in the background, condemned, refused at the next start', async () => {
    const file = spoiled();
    const db = new Database(file);
    // Treated as a large store (bound 0): the bounded check passes, as it would on a 1,000,000-parcel store.
    expect(startupIntegrity(db, file, 0)).toEqual({ full: false });
    const lines: string[] = [];
    let condemned: string | null = null;
    const watch = watchIntegrity({ file, log: { error: (m) => lines.push(m), warn: (m) => lines.push(m) }, onDamaged: (line) => (condemned = line) });
    const finding = await watch.last;
    watch.stop();
    db.close();
    expect(finding).toMatch(/missing from index|wrong # of entries|row \d+ missing/);
    expect(condemned).toMatch(new RegExp(`^the database ${file.replace(/[.]/g, '\\.')} is damaged .*restore it from a backup`));
    expect(lines).toContain(condemned);
    expect(damageMarked(file)).toBe(finding);
    expect(() => openKioskStore(file)).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringMatching(/found by the background check/) }));
  }, 60_000);

  it('a sound store: no finding, no marker; a restored file (new inode) is not held to an old marker', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-integrity-bg-'));
    dirs.push(d);
    const file = path.join(d, 'kiosk.db');
    openDatabase(file, kioskMigrations).close();
    const watch = watchIntegrity({ file, log: { error: () => undefined, warn: () => undefined }, onDamaged: () => undefined });
    expect(await watch.last).toBeNull();
    watch.stop();
    expect(damageMarked(file)).toBeNull();
    fs.writeFileSync(path.join(d, 'store-damaged.json'), JSON.stringify({ ino: -1, detail: 'old' }));
    expect(damageMarked(file)).toBeNull();
    openKioskStore(file).close();
  }, 60_000);
});
