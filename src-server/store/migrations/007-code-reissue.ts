import type { ServerMigration } from './types';

/**
 * Issue 12, ADR code-reissue: the manifest gains the `code_reissued` kind (a parcel's pickup digests replaced: an
 * operator's resend, a replaced kiosk PC). SQLite cannot alter a CHECK constraint, so `manifest` is rebuilt (nothing
 * references it); PostgreSQL swaps the constraint (its baseline's inline CHECK is named `manifest_kind_check`).
 */
export const m007: ServerMigration = {
  version: 7,
  name: 'code-reissue',
  sqlite: `
    CREATE TABLE manifest_new (
      kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
      seq INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('expected','cancelled','extended','badge_revoked','code_reissued')),
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (kiosk_id, seq)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO manifest_new (kiosk_id, seq, kind, body, created_at) SELECT kiosk_id, seq, kind, body, created_at FROM manifest;
    DROP TABLE manifest;
    ALTER TABLE manifest_new RENAME TO manifest;
  `,
  postgres: `
    ALTER TABLE manifest DROP CONSTRAINT manifest_kind_check;
    ALTER TABLE manifest ADD CONSTRAINT manifest_kind_check CHECK (kind IN ('expected','cancelled','extended','badge_revoked','code_reissued'));
  `,
};
