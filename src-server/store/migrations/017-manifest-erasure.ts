import type { ServerMigration } from './types';

/**
 * Personal data (ADR 0027, red team 13): an `expected` manifest entry holds the recipient's `groupKey` (an HMAC of their
 * address at that kiosk), so erasing a parcel must strip it from that parcel's entries too.
 * - `manifest_expected_parcel`: an index on the parcel id inside `expected` entries' JSON, so an erasure batch finds
 *   its parcels' entries by key and costs the same after years of manifest (the log is never pruned). The expression
 *   is each dialect's own; services/personal-data.ts queries with exactly the same one (SQLite uses an expression index
 *   only for the same expression, a partial one only for its own terms).
 * - Parcels erased before this version: their entries lose the key now.
 */
export const m017: ServerMigration = {
  version: 17,
  name: 'manifest-erasure',
  sqlite: `
    CREATE INDEX manifest_expected_parcel ON manifest(json_extract(body, '$.parcelId')) WHERE kind = 'expected';
    UPDATE manifest SET body = json_remove(body, '$.groupKey')
      WHERE kind = 'expected' AND json_extract(body, '$.parcelId') IN (SELECT id FROM parcels WHERE personal_erased_at IS NOT NULL)
        AND json_extract(body, '$.groupKey') IS NOT NULL;
  `,
  postgres: `
    CREATE INDEX manifest_expected_parcel ON manifest((body::json ->> 'parcelId')) WHERE kind = 'expected';
    UPDATE manifest SET body = (body::jsonb - 'groupKey')::text
      WHERE kind = 'expected' AND (body::json ->> 'parcelId') IN (SELECT id FROM parcels WHERE personal_erased_at IS NOT NULL)
        AND (body::json ->> 'groupKey') IS NOT NULL;
  `,
};
