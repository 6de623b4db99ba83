import type { ServerMigration } from './types';

/** PostgreSQL's baseline (migration 1) already has for_expiry. */
const PG = '';

/**
 * A reminder belongs to the expiry it announces, not to the parcel: a carrier's extension earns the recipient a fresh
 * reminder for the new date. `for_expiry` joins the idempotency key (0 for messages tied to no expiry: the code, the
 * expired notice). SQLite cannot alter a UNIQUE constraint, so the table is rebuilt; nothing references it.
 */
export const m002: ServerMigration = {
  version: 2,
  name: 'reminder per expiry',
  sqlite: `
      CREATE TABLE notifications_new (
        id INTEGER PRIMARY KEY,
        parcel_id TEXT NOT NULL REFERENCES parcels(id),
        kind TEXT NOT NULL CHECK (kind IN ('code','reminder','expired')),
        for_expiry INTEGER NOT NULL DEFAULT 0,  -- reminders: the parcel's expires_at they announce; else 0
        channel TEXT NOT NULL CHECK (channel IN ('smtp','sms','console')),
        address TEXT NOT NULL,
        body_sealed TEXT,                     -- wiped once sent or given up
        status TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        UNIQUE (parcel_id, kind, for_expiry, channel, address)
      ) STRICT;

      -- An existing reminder announced the current expiry only if no extension has reset reminder_queued_at since.
      INSERT INTO notifications_new (id, parcel_id, kind, for_expiry, channel, address, body_sealed, status, attempts,
                                     next_attempt_at, last_error, created_at, sent_at)
      SELECT n.id, n.parcel_id, n.kind,
             CASE WHEN n.kind = 'reminder' AND p.reminder_queued_at IS NOT NULL THEN COALESCE(p.expires_at, 0) ELSE 0 END,
             n.channel, n.address, n.body_sealed, n.status, n.attempts, n.next_attempt_at, n.last_error, n.created_at, n.sent_at
      FROM notifications n JOIN parcels p ON p.id = n.parcel_id;

      DROP TABLE notifications;
      ALTER TABLE notifications_new RENAME TO notifications;
      CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'pending';
    `,
  postgres: PG,
};
