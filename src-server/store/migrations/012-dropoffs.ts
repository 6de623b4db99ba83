import type { ServerMigration } from './types';

/**
 * Issue 13, ADR drop-offs (send and return from the locker):
 * - `parcels.direction`: `in` (a delivery to a recipient, every parcel so far) or `out` (a drop-off: a sender brings it,
 *   a driver collects it). A drop-off is a parcel row so it shares the kiosk's one code space (`parcels_kiosk_code`),
 *   the one-active-barcode rule and the capacity arithmetic (expected parcels hold capacity) with no second copy.
 * - `parcels.destination_ref`, `dropoff_deadline` (the sender's deadline, ms), `receipt` (the reference the kiosk
 *   showed at deposit), and `parcels_dropoff_due` for the sweep that expires unused drop-offs.
 * - `notifications.kind` gains `receipt` (the sender's receipt); `webhook_deliveries.event` gains `dropped_off`. SQLite
 *   cannot alter a CHECK, so both tables are rebuilt (as 008 and 010 did); PostgreSQL swaps the named constraints.
 */
const NOTIFICATION_KINDS = `'code','reminder','expired','alert','on_the_way','receipt'`;
const WEBHOOK_EVENTS = `'deposited','picked_up','expired','collected','cancelled','returned','dropped_off'`;

const columns = (big: string) => `
    ALTER TABLE parcels ADD COLUMN direction TEXT NOT NULL DEFAULT 'in' CHECK (direction IN ('in','out'));
    ALTER TABLE parcels ADD COLUMN destination_ref TEXT;
    ALTER TABLE parcels ADD COLUMN dropoff_deadline ${big};
    ALTER TABLE parcels ADD COLUMN receipt TEXT;
    CREATE INDEX parcels_dropoff_due ON parcels(dropoff_deadline) WHERE status = 'expected' AND direction = 'out';
`;

export const m012: ServerMigration = {
  version: 12,
  name: 'dropoffs',
  sqlite: `
    ${columns('INTEGER')}
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
    INSERT INTO notifications_new (id, parcel_id, alert_id, kind, for_expiry, channel, address, body_sealed, status, attempts, next_attempt_at, last_error, created_at, sent_at, lease_token)
      SELECT id, parcel_id, alert_id, kind, for_expiry, channel, address, body_sealed, status, attempts, next_attempt_at, last_error, created_at, sent_at, lease_token FROM notifications;
    DROP TABLE notifications;
    ALTER TABLE notifications_new RENAME TO notifications;
    CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'pending';
    CREATE UNIQUE INDEX notifications_alert ON notifications(alert_id, channel, address);

    CREATE TABLE webhook_deliveries_new (
      id INTEGER PRIMARY KEY,
      key_id TEXT NOT NULL REFERENCES carrier_keys(id),
      parcel_id TEXT NOT NULL,
      event TEXT NOT NULL CHECK (event IN (${WEBHOOK_EVENTS})),
      event_id TEXT NOT NULL UNIQUE,
      body TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_error TEXT,
      last_status INTEGER,
      created_at INTEGER NOT NULL,
      sent_at INTEGER,
      lease_token TEXT,
      UNIQUE (key_id, parcel_id, event)
    ) STRICT;
    INSERT INTO webhook_deliveries_new (id, key_id, parcel_id, event, event_id, body, status, attempts, next_attempt_at, last_error, last_status, created_at, sent_at, lease_token)
      SELECT id, key_id, parcel_id, event, event_id, body, status, attempts, next_attempt_at, last_error, last_status, created_at, sent_at, lease_token FROM webhook_deliveries;
    DROP TABLE webhook_deliveries;
    ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_key ON webhook_deliveries(key_id, created_at);
  `,
  postgres: `
    ${columns('BIGINT')}
    ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
    ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (${NOTIFICATION_KINDS}));
    ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_check;
    ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_check CHECK (event IN (${WEBHOOK_EVENTS}));
  `,
};
