import type { ServerMigration } from './types';

/**
 * Issue 13, ADR customer-self-service (more time, a lost code, all my parcels):
 * - `parcels.recipient_extended_at`: when the recipient used the one extension the link page allows (NULL: not yet).
 *   The extension is a conditional update on it, so two clicks on two instances extend once.
 * - `parcels_kiosk_phone`: "I lost my code" finds the deposited parcels for one phone number at one kiosk.
 * - `lost_code_requests`: one row per request that reached the server, for its limits per number (all kiosks) and per
 *   kiosk. The number is kept only as a keyed digest (HMAC under a key derived from the data key), never in clear.
 * - `manifest.kind` gains `parcel_preferences` (the recipient asked for a compartment within reach before delivery);
 *   `notifications.kind` gains `on_the_way` (the intake message with the recipient's link). SQLite cannot alter a
 *   CHECK, so both tables are rebuilt (as 007 and 008 did); PostgreSQL swaps the named constraints.
 */
// Every kind so far, including migration 9's `returned` and `placed`: a rebuilt CHECK must not drop another's kinds.
const MANIFEST_KINDS = `'expected','cancelled','extended','badge_revoked','code_reissued','returned','placed','parcel_preferences'`;
const NOTIFICATION_KINDS = `'code','reminder','expired','alert','on_the_way'`;

const common = (big: string, id: string, strict: string) => `
    CREATE INDEX parcels_kiosk_phone ON parcels(kiosk_id, recipient_phone) WHERE status = 'deposited';
    CREATE TABLE lost_code_requests (
      id ${id},
      kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
      number_digest TEXT NOT NULL,
      at ${big} NOT NULL
    )${strict};
    CREATE INDEX lost_code_by_number ON lost_code_requests(number_digest, at);
    CREATE INDEX lost_code_by_kiosk ON lost_code_requests(kiosk_id, at);
`;

export const m010: ServerMigration = {
  version: 10,
  name: 'customer-self-service',
  sqlite: `
    ALTER TABLE parcels ADD COLUMN recipient_extended_at INTEGER;
    ${common('INTEGER', 'INTEGER PRIMARY KEY', ' STRICT')}

    CREATE TABLE manifest_new (
      kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
      seq INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN (${MANIFEST_KINDS})),
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (kiosk_id, seq)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO manifest_new (kiosk_id, seq, kind, body, created_at) SELECT kiosk_id, seq, kind, body, created_at FROM manifest;
    DROP TABLE manifest;
    ALTER TABLE manifest_new RENAME TO manifest;

    CREATE TABLE notifications_new (
      id INTEGER PRIMARY KEY,
      parcel_id TEXT REFERENCES parcels(id),
      alert_id TEXT REFERENCES alerts(id),
      kind TEXT NOT NULL CHECK (kind IN (${NOTIFICATION_KINDS})),
      for_expiry INTEGER NOT NULL DEFAULT 0,
      channel TEXT NOT NULL CHECK (channel IN ('smtp','sms','console')),
      address TEXT NOT NULL,
      body_sealed TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      sent_at INTEGER,
      lease_token TEXT,
      CHECK ((parcel_id IS NULL) <> (alert_id IS NULL)),
      UNIQUE (parcel_id, kind, for_expiry, channel, address)
    ) STRICT;
    INSERT INTO notifications_new SELECT id, parcel_id, alert_id, kind, for_expiry, channel, address, body_sealed, status, attempts,
      next_attempt_at, last_error, created_at, sent_at, lease_token FROM notifications;
    DROP TABLE notifications;
    ALTER TABLE notifications_new RENAME TO notifications;
    CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'pending';
    CREATE UNIQUE INDEX notifications_alert ON notifications(alert_id, channel, address);
  `,
  postgres: `
    ALTER TABLE parcels ADD COLUMN recipient_extended_at BIGINT;
    ${common('BIGINT', 'BIGSERIAL PRIMARY KEY', '')}
    ALTER TABLE manifest DROP CONSTRAINT manifest_kind_check;
    ALTER TABLE manifest ADD CONSTRAINT manifest_kind_check CHECK (kind IN (${MANIFEST_KINDS}));
    ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
    ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (${NOTIFICATION_KINDS}));
  `,
};
