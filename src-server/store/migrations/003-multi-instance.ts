import type { ServerMigration } from './types';

/**
 * What several server instances on one database need (issue 11, ADR fleet-store):
 * - `manifest` replaces `manifest_changes`: a per-kiosk sequence (kiosk_id, seq) taken from `kiosks.manifest_head` under
 *   the kiosk row's lock, so commit order equals cursor order (with a shared AUTOINCREMENT, seq 2 could commit before
 *   seq 1 and a kiosk reading in between skipped seq 1 for ever). Fleet-wide rows (badge revocations, kiosk_id NULL) are
 *   fanned out to every kiosk. Existing rows keep their seq, and every head starts at the old global maximum, so any
 *   cursor a kiosk already holds stays valid.
 * - `kiosks.events_received`: a counter, so the fleet page never counts the events table per render.
 * - `parcels_active_barcode`: one active parcel per barcode, held by the database, not by a read-then-insert.
 * - `notifications.lease_token`: a claim's owner; only it may record the outcome.
 * - `server_meta`: e.g. the fingerprint of the keys this database is sealed with.
 */
export const m003: ServerMigration = {
  version: 3,
  name: 'multi-instance',
  sqlite: `
    ALTER TABLE kiosks ADD COLUMN manifest_head INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE kiosks ADD COLUMN events_received INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE manifest (
      kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
      seq INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('expected','cancelled','extended','badge_revoked')),
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (kiosk_id, seq)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO manifest (kiosk_id, seq, kind, body, created_at)
      SELECT kiosk_id, seq, kind, body, created_at FROM manifest_changes WHERE kiosk_id IS NOT NULL;
    INSERT INTO manifest (kiosk_id, seq, kind, body, created_at)
      SELECT k.id, m.seq, m.kind, m.body, m.created_at FROM manifest_changes m CROSS JOIN kiosks k WHERE m.kiosk_id IS NULL;
    UPDATE kiosks SET
      manifest_head = COALESCE((SELECT MAX(seq) FROM manifest_changes), 0),
      events_received = (SELECT COUNT(*) FROM events e WHERE e.kiosk_id = kiosks.id);
    DROP TABLE manifest_changes;

    CREATE UNIQUE INDEX parcels_active_barcode ON parcels(barcode) WHERE status IN ('expected','deposited','expired');
    ALTER TABLE notifications ADD COLUMN lease_token TEXT;
    CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  `,
  postgres: '',
};
