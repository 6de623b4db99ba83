import type { Migration } from '../sqlite';

/**
 * The second factors of a pickup (ADR 0008 (code lockout)): per parcel the digest of the high-entropy QR token and of the
 * code + check code from the recipient's message (both HMAC under the kiosk secret, domain-separated; no plaintext,
 * no recipient identity). QR lookups go through a unique index like codes do.
 *
 * `failed_attempts` learns a third scope, `qr` (a wrong QR token: reported to the fleet, never locks anything);
 * SQLite cannot widen a CHECK in place, so the table is rebuilt. `lockouts` learns when a technician last cleared a
 * scope (failures before that no longer count) and whether code entry is hardened (so a mode change is reported once).
 */
export const m004: Migration = {
  version: 4,
  name: 'code-factors',
  up(db) {
    db.exec(`
      ALTER TABLE parcels ADD COLUMN qr_digest TEXT;
      ALTER TABLE parcels ADD COLUMN check_digest TEXT;
      CREATE UNIQUE INDEX parcels_qr ON parcels(qr_digest) WHERE qr_digest IS NOT NULL;

      CREATE TABLE failed_attempts_new (
        id    INTEGER PRIMARY KEY,
        scope TEXT NOT NULL CHECK (scope IN ('code','pin','qr')),
        at    INTEGER NOT NULL
      ) STRICT;
      INSERT INTO failed_attempts_new (id, scope, at) SELECT id, scope, at FROM failed_attempts;
      DROP TABLE failed_attempts;
      ALTER TABLE failed_attempts_new RENAME TO failed_attempts;
      CREATE INDEX failed_attempts_scope_at ON failed_attempts(scope, at);

      ALTER TABLE lockouts ADD COLUMN cleared_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE lockouts ADD COLUMN hardened INTEGER NOT NULL DEFAULT 0 CHECK (hardened IN (0,1));
    `);
  },
};
