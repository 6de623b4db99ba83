import type { Migration } from '../sqlite';

/**
 * The locker's state. Times are ms since the epoch (INTEGER). Whether a compartment is free is never stored: it is
 * in service, holds no active parcel, and has no unfinished door operation (see store/compartments.ts).
 */
export const m002: Migration = {
  version: 2,
  name: 'core',
  up(db) {
    db.exec(`
      CREATE TABLE compartments (
        id          TEXT PRIMARY KEY,
        board       INTEGER NOT NULL,
        lock        INTEGER NOT NULL,
        size        TEXT NOT NULL CHECK (size IN ('S','M','L','XL')),
        col         INTEGER NOT NULL,
        row         INTEGER NOT NULL,
        height_cm   REAL NOT NULL,
        in_service  INTEGER NOT NULL DEFAULT 1 CHECK (in_service IN (0,1)),
        service_note TEXT,
        -- 0 when the compartment left the layout file; kept for the history of its parcels, never allocated.
        in_layout   INTEGER NOT NULL DEFAULT 1 CHECK (in_layout IN (0,1))
      ) STRICT;

      CREATE TABLE parcels (
        id              TEXT PRIMARY KEY,
        barcode         TEXT NOT NULL,
        size            TEXT NOT NULL CHECK (size IN ('S','M','L','XL')),
        accessible      INTEGER NOT NULL DEFAULT 0 CHECK (accessible IN (0,1)),
        status          TEXT NOT NULL CHECK (status IN ('expected','deposited','picked_up','expired','collected','cancelled')),
        compartment_id  TEXT REFERENCES compartments(id),
        -- HMAC-SHA256(kioskSecret, code), hex; NULL once the code is spent or void.
        code_digest     TEXT,
        -- The digest of a spent code, kept only through the reopen grace window.
        spent_digest    TEXT,
        grace_until     INTEGER,
        pickup_window_days INTEGER NOT NULL DEFAULT 3,
        expires_at      INTEGER,
        flagged         TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        deposited_at    INTEGER,
        picked_up_at    INTEGER,
        expired_at      INTEGER,
        collected_at    INTEGER,
        cancelled_at    INTEGER,
        server_seq      INTEGER NOT NULL DEFAULT 0,
        CHECK (status NOT IN ('deposited','expired') OR compartment_id IS NOT NULL)
      ) STRICT;
      -- Codes are unique among the parcels whose code still works (NULLs are distinct).
      CREATE UNIQUE INDEX parcels_code ON parcels(code_digest);
      CREATE INDEX parcels_spent_code ON parcels(spent_digest) WHERE spent_digest IS NOT NULL;
      CREATE INDEX parcels_barcode ON parcels(barcode);
      CREATE UNIQUE INDEX parcels_active_barcode ON parcels(barcode) WHERE status IN ('expected','deposited','expired');
      -- The store's own guarantee that no compartment ever holds (or is reserved for) two parcels.
      CREATE UNIQUE INDEX parcels_compartment_active ON parcels(compartment_id)
        WHERE compartment_id IS NOT NULL AND status IN ('expected','deposited','expired');
      CREATE INDEX parcels_status_expiry ON parcels(status, expires_at);

      CREATE TABLE door_operations (
        id              TEXT PRIMARY KEY,
        purpose         TEXT NOT NULL CHECK (purpose IN ('pickup','dropoff','collection','maintenance')),
        compartment_id  TEXT NOT NULL REFERENCES compartments(id),
        parcel_id       TEXT REFERENCES parcels(id),
        actor           TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('requested','unlocked','opened','closed','failed')),
        outcome         TEXT NOT NULL DEFAULT 'pending'
                        CHECK (outcome IN ('pending','completed','item_left','empty_on_close','jammed','cancelled')),
        reason          TEXT,
        reference       TEXT,
        grace_until     INTEGER,
        session_id      TEXT,
        requested_at    INTEGER NOT NULL,
        unlocked_at     INTEGER,
        opened_at       INTEGER,
        closed_at       INTEGER,
        updated_at      INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX door_ops_compartment ON door_operations(compartment_id, state);
      CREATE INDEX door_ops_unfinished ON door_operations(state) WHERE state IN ('requested','unlocked','opened');
      CREATE INDEX door_ops_parcel ON door_operations(parcel_id);
      CREATE INDEX door_ops_session ON door_operations(session_id) WHERE session_id IS NOT NULL;

      CREATE TABLE outbox (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT NOT NULL UNIQUE,
        type            TEXT NOT NULL,
        occurred_at     INTEGER NOT NULL,
        payload         TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        acked_at        INTEGER
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE acked_at IS NULL;

      CREATE TABLE audit_log (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        at        INTEGER NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        detail    TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

      CREATE TABLE failed_attempts (
        id    INTEGER PRIMARY KEY,
        scope TEXT NOT NULL CHECK (scope IN ('code','pin')),
        at    INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX failed_attempts_scope_at ON failed_attempts(scope, at);

      CREATE TABLE lockouts (
        scope        TEXT PRIMARY KEY CHECK (scope IN ('code','pin')),
        level        INTEGER NOT NULL,
        locked_until INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE revoked_badges (
        badge_id   TEXT PRIMARY KEY,
        revoked_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
