import { POSTGRES_BASELINE as PG } from './postgres-baseline';
import type { ServerMigration } from './types';

/**
 * The fleet server's first schema. Times are ms since the epoch (INTEGER). Secrets and codes are only ever
 * stored sealed (AES-256-GCM, see keys.ts); enrollment tokens only as SHA-256 hashes.
 */
export const m001: ServerMigration = {
  version: 1,
  name: 'initial',
  sqlite: `
      CREATE TABLE kiosks (
        id TEXT PRIMARY KEY,
        secret_sealed TEXT NOT NULL,
        layout_name TEXT,
        capacity_json TEXT NOT NULL,          -- {S,M,L,XL} compartments at enrollment
        enrolled_at INTEGER NOT NULL,
        last_heartbeat_at INTEGER,            -- server clock
        heartbeat_kiosk_time INTEGER,         -- the heartbeat's signed x-timestamp (kiosk clock)
        heartbeat_json TEXT,                  -- the last heartbeat body
        last_seen_at INTEGER
      ) STRICT;

      CREATE TABLE enrollment_tokens (
        token_hash TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        kiosk_id TEXT REFERENCES kiosks(id)
      ) STRICT;

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
        code_sealed TEXT,                     -- until the code notification is queued (sealed again per message)
        pickup_window_days INTEGER NOT NULL,
        compartment_id TEXT,
        created_at INTEGER NOT NULL,
        deposited_at INTEGER,                 -- kiosk clock (event occurredAt)
        expires_at INTEGER,
        picked_up_at INTEGER,
        expired_at INTEGER,
        collected_at INTEGER,
        cancelled_at INTEGER,
        kept_by_driver_at INTEGER,
        conflict TEXT,
        reminder_queued_at INTEGER,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX parcels_barcode ON parcels(barcode, created_at);
      CREATE INDEX parcels_kiosk_status ON parcels(kiosk_id, status);
      -- Codes are unique among a kiosk's parcels that can still be opened. Cancelled parcels keep their code
      -- reserved: a kiosk that has not yet heard of the cancellation may still take the parcel in.
      CREATE UNIQUE INDEX parcels_kiosk_code ON parcels(kiosk_id, code_digest) WHERE status NOT IN ('picked_up','collected');
      CREATE INDEX parcels_reminder_due ON parcels(status, expires_at) WHERE status = 'deposited' AND reminder_queued_at IS NULL;

      -- The manifest: an append-only log per kiosk (kiosk_id NULL = every kiosk, e.g. badge revocations).
      -- AUTOINCREMENT: a sequence number is never reused, so a cursor never skips a change.
      CREATE TABLE manifest_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kiosk_id TEXT REFERENCES kiosks(id),
        kind TEXT NOT NULL CHECK (kind IN ('expected','cancelled','extended','badge_revoked')),
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX manifest_by_kiosk ON manifest_changes(kiosk_id, seq);

      -- Every event a kiosk sent, once: the UUID primary key is the idempotency key.
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        type TEXT NOT NULL,
        occurred_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        payload TEXT NOT NULL,
        outcome TEXT NOT NULL,
        note TEXT
      ) STRICT;
      CREATE INDEX events_by_kiosk ON events(kiosk_id, received_at);

      CREATE TABLE nonces (
        kiosk_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, nonce)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX nonces_seen ON nonces(seen_at);

      CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        parcel_id TEXT NOT NULL REFERENCES parcels(id),
        kind TEXT NOT NULL CHECK (kind IN ('code','reminder','expired')),
        channel TEXT NOT NULL CHECK (channel IN ('smtp','sms','console')),
        address TEXT NOT NULL,
        body_sealed TEXT,                     -- wiped once sent or given up
        status TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        UNIQUE (parcel_id, kind, channel, address)
      ) STRICT;
      CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'pending';

      CREATE TABLE badges (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('driver','technician')),
        name TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
    `,
  postgres: PG,
};
