import type { ServerMigration } from './types';

/**
 * Issue 12, notifications people can read:
 * - `kiosks.time_zone`: the kiosk's IANA zone, in which its recipients' deadlines are written. Kiosks enrolled before
 *   this migration get UTC, which is what their messages said until now.
 * - `enrollment_tokens.time_zone`: the zone an operator chose when creating the token (NULL: the kiosk's own, else UTC).
 * - `parcels.locale`: the recipient's language (en, es, pl, de; the kiosk's languages). Existing parcels: en.
 * Plain column additions, the same DDL on both dialects.
 */
const DDL = `
    ALTER TABLE kiosks ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
    ALTER TABLE enrollment_tokens ADD COLUMN time_zone TEXT;
    ALTER TABLE parcels ADD COLUMN locale TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en','es','pl','de'));
`;

export const m009: ServerMigration = {
  version: 9,
  name: 'readable-notifications',
  sqlite: DDL,
  postgres: DDL,
};
