import type { ServerMigration } from './types';

/**
 * Issue 12, ADR alerts-webhooks: alert rules and carrier status webhooks.
 *
 * Alerts: `alert_rules` (one row per kind, absent = off), `alerts` (one per inbox item it announces: `item_id` is
 * unique, so an ongoing condition alerts once however often it is seen), and `notifications` learns to carry an alert
 * instead of a parcel (kind `alert`, `alert_id`; exactly one of the two is set) so alerts go through the one outbox.
 * SQLite cannot drop NOT NULL or alter a CHECK, so `notifications` is rebuilt (nothing references it).
 *
 * Webhooks: A carrier key may carry a webhook (URL + a secret sealed under
 * the data key: the server must sign with it, so it cannot be a one-way hash); `webhook_deliveries` is their outbox,
 * claimed with a lease as `notifications` is. One row per (key, parcel, event): an event applied twice (another instance,
 * a retried batch) queues one delivery.
 */
const deliveries = (id: string, big: string, strict: string) => `
    CREATE TABLE webhook_deliveries (
      id ${id},
      key_id TEXT NOT NULL REFERENCES carrier_keys(id),
      parcel_id TEXT NOT NULL,
      event TEXT NOT NULL CHECK (event IN ('deposited','picked_up','expired','collected','cancelled','returned')),
      event_id TEXT NOT NULL UNIQUE,
      body TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at ${big} NOT NULL,
      last_error TEXT,
      last_status INTEGER,
      created_at ${big} NOT NULL,
      sent_at ${big},
      lease_token TEXT,
      UNIQUE (key_id, parcel_id, event)
    )${strict};
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_key ON webhook_deliveries(key_id, created_at);
`;

const alerts = (big: string, strict: string) => `
    CREATE TABLE alert_rules (
      kind TEXT PRIMARY KEY CHECK (kind IN ('kiosk.offline','door.forced_open','codes.attack','door.left_open','problem.reported')),
      enabled INTEGER NOT NULL DEFAULT 0,
      minutes INTEGER,
      recipients TEXT NOT NULL DEFAULT '[]',
      updated_at ${big},
      updated_by TEXT
    )${strict};
    CREATE TABLE alerts (
      id TEXT PRIMARY KEY,
      rule TEXT NOT NULL,
      kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
      item_id TEXT NOT NULL UNIQUE,
      subject TEXT NOT NULL,
      created_at ${big} NOT NULL
    )${strict};
    CREATE INDEX alerts_by_time ON alerts(created_at);
`;

export const m008: ServerMigration = {
  // 9 is reserved for this one; it runs as 8 until migration 008 (another part of issue 12) is in the tree. Lead: renumber.
  version: 8,
  name: 'alerts-and-webhooks',
  sqlite: `
    ${alerts('INTEGER', ' STRICT')}
    CREATE TABLE notifications_new (
      id INTEGER PRIMARY KEY,
      parcel_id TEXT REFERENCES parcels(id),
      alert_id TEXT REFERENCES alerts(id),
      kind TEXT NOT NULL CHECK (kind IN ('code','reminder','expired','alert')),
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
    INSERT INTO notifications_new (id, parcel_id, kind, for_expiry, channel, address, body_sealed, status, attempts, next_attempt_at, last_error, created_at, sent_at, lease_token)
      SELECT id, parcel_id, kind, for_expiry, channel, address, body_sealed, status, attempts, next_attempt_at, last_error, created_at, sent_at, lease_token FROM notifications;
    DROP TABLE notifications;
    ALTER TABLE notifications_new RENAME TO notifications;
    CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'pending';
    CREATE UNIQUE INDEX notifications_alert ON notifications(alert_id, channel, address);

    ALTER TABLE carrier_keys ADD COLUMN webhook_url TEXT;
    ALTER TABLE carrier_keys ADD COLUMN webhook_secret_sealed TEXT;
    ${deliveries('INTEGER PRIMARY KEY', 'INTEGER', ' STRICT')}
  `,
  postgres: `
    ${alerts('BIGINT', '')}
    ALTER TABLE notifications ALTER COLUMN parcel_id DROP NOT NULL;
    ALTER TABLE notifications ADD COLUMN alert_id TEXT REFERENCES alerts(id);
    ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
    ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('code','reminder','expired','alert'));
    ALTER TABLE notifications ADD CONSTRAINT notifications_one_owner CHECK ((parcel_id IS NULL) <> (alert_id IS NULL));
    CREATE UNIQUE INDEX notifications_alert ON notifications(alert_id, channel, address);

    ALTER TABLE carrier_keys ADD COLUMN webhook_url TEXT;
    ALTER TABLE carrier_keys ADD COLUMN webhook_secret_sealed TEXT;
    ${deliveries('BIGSERIAL PRIMARY KEY', 'BIGINT', '')}
  `,
};
