/**
 * PostgreSQL's schema, created whole by migration 1: no PostgreSQL fleet database existed before migration 3, so it
 * starts at the shape SQLite reaches after 001–003 (migrations 2 and 3 are no-ops there). Times are BIGINT ms since
 * the epoch, read back as numbers (db.ts); booleans 0/1 INTEGER, as on SQLite, so every query reads the same.
 */
export const POSTGRES_BASELINE = `
CREATE TABLE kiosks (
  id TEXT PRIMARY KEY,
  secret_sealed TEXT NOT NULL,
  layout_name TEXT,
  capacity_json TEXT NOT NULL,
  enrolled_at BIGINT NOT NULL,
  last_heartbeat_at BIGINT,
  heartbeat_kiosk_time BIGINT,
  heartbeat_json TEXT,
  last_seen_at BIGINT,
  manifest_head BIGINT NOT NULL DEFAULT 0,
  events_received BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE enrollment_tokens (
  token_hash TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  kiosk_id TEXT REFERENCES kiosks(id)
);

CREATE TABLE parcels (
  id TEXT PRIMARY KEY,
  barcode TEXT NOT NULL,
  kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
  size TEXT NOT NULL CHECK (size IN ('S','M','L','XL')),
  accessible INTEGER NOT NULL DEFAULT 0,
  recipient_name TEXT,
  recipient_email TEXT,
  recipient_phone TEXT,
  status TEXT NOT NULL CHECK (status IN ('expected','deposited','picked_up','expired','collected','cancelled')),
  code_digest TEXT NOT NULL,
  code_sealed TEXT,
  pickup_window_days INTEGER NOT NULL,
  compartment_id TEXT,
  created_at BIGINT NOT NULL,
  deposited_at BIGINT,
  expires_at BIGINT,
  picked_up_at BIGINT,
  expired_at BIGINT,
  collected_at BIGINT,
  cancelled_at BIGINT,
  kept_by_driver_at BIGINT,
  conflict TEXT,
  reminder_queued_at BIGINT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX parcels_barcode ON parcels(barcode, created_at);
CREATE INDEX parcels_kiosk_status ON parcels(kiosk_id, status);
CREATE UNIQUE INDEX parcels_kiosk_code ON parcels(kiosk_id, code_digest) WHERE status NOT IN ('picked_up','collected');
CREATE UNIQUE INDEX parcels_active_barcode ON parcels(barcode) WHERE status IN ('expected','deposited','expired');
CREATE INDEX parcels_reminder_due ON parcels(status, expires_at) WHERE status = 'deposited' AND reminder_queued_at IS NULL;

CREATE TABLE manifest (
  kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('expected','cancelled','extended','badge_revoked')),
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (kiosk_id, seq)
);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
  type TEXT NOT NULL,
  occurred_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  payload TEXT NOT NULL,
  outcome TEXT NOT NULL,
  note TEXT
);
CREATE INDEX events_by_kiosk ON events(kiosk_id, received_at);

CREATE TABLE nonces (
  kiosk_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  seen_at BIGINT NOT NULL,
  PRIMARY KEY (kiosk_id, nonce)
);
CREATE INDEX nonces_seen ON nonces(seen_at);

CREATE TABLE notifications (
  id BIGSERIAL PRIMARY KEY,
  parcel_id TEXT NOT NULL REFERENCES parcels(id),
  kind TEXT NOT NULL CHECK (kind IN ('code','reminder','expired')),
  for_expiry BIGINT NOT NULL DEFAULT 0,
  channel TEXT NOT NULL CHECK (channel IN ('smtp','sms','console')),
  address TEXT NOT NULL,
  body_sealed TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT,
  lease_token TEXT,
  UNIQUE (parcel_id, kind, for_expiry, channel, address)
);
CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'pending';

CREATE TABLE badges (
  id TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('driver','technician')),
  name TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);

CREATE TABLE server_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;
