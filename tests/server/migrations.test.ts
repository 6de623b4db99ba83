import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../src-main/store/sqlite';
import { m001 } from '../../src-server/store/migrations/001-initial';
import { serverMigrations } from '../../src-server/store/migrations/index';

describe('server migration 2: reminders keyed on the expiry they announce', () => {
  it('keeps every notification and backfills the expiry of reminders the current expiry still stands for', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [m001]);
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

    migrate(db, serverMigrations);
    expect(schemaVersion(db)).toBe(serverMigrations.length);
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
