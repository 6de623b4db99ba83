import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { m001 } from '../../src-server/store/migrations/001-initial';
import { m002 } from '../../src-server/store/migrations/002-reminder-per-expiry';
import { serverMigrations } from '../../src-server/store/migrations/index';
import { migrateSqlite } from '../../src-server/store/migrate';

function fresh(upTo: typeof serverMigrations) {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrateSqlite(db, ':memory:', upTo);
  return db;
}

describe('server migration 2: reminders keyed on the expiry they announce', () => {
  it('keeps every notification and backfills the expiry of reminders the current expiry still stands for', () => {
    const db = fresh([m001]);
    db.prepare(`INSERT INTO kiosks (id, secret_sealed, capacity_json, enrolled_at) VALUES ('K1', 'x', '{}', 1)`).run();
    const parcel = db.prepare(
      `INSERT INTO parcels (id, barcode, kiosk_id, size, status, code_digest, pickup_window_days, created_at, expires_at, reminder_queued_at, updated_at)
       VALUES (?, ?, 'K1', 'S', 'deposited', ?, 3, 1, ?, ?, 1)`,
    );
    parcel.run('P1', 'B1', 'd1', 5000, 4000); // reminded, not extended since
    parcel.run('P2', 'B2', 'd2', 9000, null); // reminded, then extended (the extension reset reminder_queued_at)
    const note = db.prepare(
      `INSERT INTO notifications (parcel_id, kind, channel, address, status, next_attempt_at, created_at) VALUES (?, ?, 'sms', '+48500100200', 'sent', 1, 1)`,
    );
    note.run('P1', 'code');
    note.run('P1', 'reminder');
    note.run('P2', 'reminder');

    migrateSqlite(db, ':memory:', [m001, m002]);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT parcel_id, kind, for_expiry, status FROM notifications ORDER BY id').all()).toEqual([
      { parcel_id: 'P1', kind: 'code', for_expiry: 0, status: 'sent' },
      { parcel_id: 'P1', kind: 'reminder', for_expiry: 5000, status: 'sent' },
      { parcel_id: 'P2', kind: 'reminder', for_expiry: 0, status: 'sent' },
    ]);
    // The same reminder again is still a no-op; one for P2's new expiry is not.
    const again = db.prepare(
      `INSERT OR IGNORE INTO notifications (parcel_id, kind, for_expiry, channel, address, status, next_attempt_at, created_at)
       VALUES (?, 'reminder', ?, 'sms', '+48500100200', 'pending', 1, 1)`,
    );
    expect(again.run('P1', 5000).changes).toBe(0);
    expect(again.run('P2', 9000).changes).toBe(1);
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM notifications WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at`).all(2) as { detail: string }[];
    expect(plan.map((r) => r.detail).join(' ')).toContain('notifications_due');
    db.close();
  });
});

describe('server migration 3: per-kiosk manifest, event counters, one active parcel per barcode', () => {
  it('keeps every change under its old seq (cursors stay valid), fans fleet-wide ones out, and starts heads at the old maximum', () => {
    const db = fresh([m001, m002]);
    for (const id of ['K1', 'K2']) db.prepare(`INSERT INTO kiosks (id, secret_sealed, capacity_json, enrolled_at) VALUES (?, 'x', '{}', 1)`).run(id);
    const change = db.prepare(`INSERT INTO manifest_changes (kiosk_id, kind, body, created_at) VALUES (?, ?, '{}', 1)`);
    change.run('K1', 'expected'); // seq 1
    change.run(null, 'badge_revoked'); // seq 2, every kiosk
    change.run('K2', 'expected'); // seq 3
    const event = db.prepare(`INSERT INTO events (id, kiosk_id, type, occurred_at, received_at, payload, outcome) VALUES (?, 'K1', 'door.jammed', 1, 1, '{}', 'recorded')`);
    event.run('e1');
    event.run('e2');

    migrateSqlite(db, ':memory:', serverMigrations);
    expect(db.prepare('SELECT kiosk_id, seq, kind FROM manifest ORDER BY kiosk_id, seq').all()).toEqual([
      { kiosk_id: 'K1', seq: 1, kind: 'expected' },
      { kiosk_id: 'K1', seq: 2, kind: 'badge_revoked' },
      { kiosk_id: 'K2', seq: 2, kind: 'badge_revoked' },
      { kiosk_id: 'K2', seq: 3, kind: 'expected' },
    ]);
    expect(db.prepare('SELECT id, manifest_head, events_received FROM kiosks ORDER BY id').all()).toEqual([
      { id: 'K1', manifest_head: 3, events_received: 2 },
      { id: 'K2', manifest_head: 3, events_received: 0 },
    ]);
    const parcel = db.prepare(
      `INSERT INTO parcels (id, barcode, kiosk_id, size, status, code_digest, pickup_window_days, created_at, updated_at) VALUES (?, 'SAME-1', ?, 'S', ?, ?, 3, 1, 1)`,
    );
    parcel.run('P1', 'K1', 'picked_up', 'd1');
    parcel.run('P2', 'K1', 'expected', 'd2'); // one active parcel with a barcode that was used before: fine
    expect(() => parcel.run('P3', 'K2', 'expected', 'd3')).toThrow(/UNIQUE/); // a second active one: refused by the database
    db.close();
  });
});
