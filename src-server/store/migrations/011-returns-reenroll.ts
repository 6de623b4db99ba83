import type { ServerMigration } from './types';

// Every kind so far plus this one's two; `parcel_preferences` (customer self-service, ADR customer-self-service) is
// listed too: whichever of the two migrations lands later must list every kind.
const KINDS = `'expected','cancelled','extended','badge_revoked','code_reissued','parcel_preferences','returned','placed'`;

/**
 * Issue 12, ADR 0019 (return-reenroll-back):
 * - `parcels.return_requested_at`: an operator marked the parcel for return to sender (console). A deposited one waits
 *   for the driver's collection (server status `expired`); the carrier hears `returned` when it is collected.
 * - manifest kinds `returned` (the kiosk stops opening the parcel by code and lists it for collection) and `placed`
 *   (a parcel already in a compartment, written when a replaced kiosk PC re-enrolls: its new store learns what is where).
 * - `kiosks.manifest_floor`: a re-enrolled kiosk reads its manifest from here, not from 0 (the history before it was
 *   the old PC's; the `placed`/`expected` entries after it describe the kiosk as it is).
 * - `enrollment_tokens.reenroll_kiosk_id`: a one-time token that re-enrolls THIS existing kiosk (new secret, same id).
 * - `kiosks.offline_item`: the open `kiosk.offline` inbox item of the kiosk's current silent spell, so its first
 *   contact afterwards says "back online" once.
 * SQLite cannot alter a CHECK, so `manifest` is rebuilt as in migration 7; PostgreSQL swaps the named constraint.
 */
export const m011: ServerMigration = {
  version: 11,
  name: 'returns-reenroll',
  sqlite: `
    ALTER TABLE parcels ADD COLUMN return_requested_at INTEGER;
    ALTER TABLE kiosks ADD COLUMN manifest_floor INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE kiosks ADD COLUMN offline_item TEXT;
    ALTER TABLE enrollment_tokens ADD COLUMN reenroll_kiosk_id TEXT REFERENCES kiosks(id);
    CREATE TABLE manifest_new (
      kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
      seq INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN (${KINDS})),
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (kiosk_id, seq)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO manifest_new (kiosk_id, seq, kind, body, created_at) SELECT kiosk_id, seq, kind, body, created_at FROM manifest;
    DROP TABLE manifest;
    ALTER TABLE manifest_new RENAME TO manifest;
  `,
  postgres: `
    ALTER TABLE parcels ADD COLUMN return_requested_at BIGINT;
    ALTER TABLE kiosks ADD COLUMN manifest_floor BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE kiosks ADD COLUMN offline_item TEXT;
    ALTER TABLE enrollment_tokens ADD COLUMN reenroll_kiosk_id TEXT REFERENCES kiosks(id);
    ALTER TABLE manifest DROP CONSTRAINT manifest_kind_check;
    ALTER TABLE manifest ADD CONSTRAINT manifest_kind_check CHECK (kind IN (${KINDS}));
  `,
};
