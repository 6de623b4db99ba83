import type { Migration } from '../sqlite';

/**
 * Issue 13, ADR customer-self-service:
 * - `parcels.group_key`: the server's opaque key for one recipient at this kiosk ("all my parcels in one visit"). It
 *   names nobody; it is cleared when the parcel leaves (collected, cancelled), so the store keeps it no
 *   longer than the parcel is here (a picked-up one keeps it a few minutes, for the next door of the same visit, then the
 *   expiry sweep clears it through `parcels_group_left`). Partial indexes: only parcels with a key are in them.
 * - `lost_code_requests`: "I lost my code" requests sent from this kiosk, for its own limits per number and per kiosk.
 *   The number is kept only as HMAC-SHA256 under the kiosk secret (never in clear); rows older than a day are pruned
 *   by the expiry sweep.
 */
export const m007: Migration = {
  version: 7,
  name: 'customer-self-service',
  up(db) {
    db.exec(`
      ALTER TABLE parcels ADD COLUMN group_key TEXT;
      CREATE INDEX parcels_group ON parcels(group_key) WHERE group_key IS NOT NULL;
      CREATE INDEX parcels_group_left ON parcels(picked_up_at) WHERE group_key IS NOT NULL AND status = 'picked_up';
      CREATE TABLE lost_code_requests (
        id            INTEGER PRIMARY KEY,
        at            INTEGER NOT NULL,
        number_digest TEXT NOT NULL
      ) STRICT;
      CREATE INDEX lost_code_requests_at ON lost_code_requests(at);
    `);
  },
};
