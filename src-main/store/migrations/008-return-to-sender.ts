import type { Migration } from '../sqlite';

/**
 * Return to sender (issue 12, ADR return-reenroll): when the fleet marked a parcel for return. Such a parcel in a
 * compartment is `expired` here (listed for the driver's collection, its code answered as expired) and never becomes
 * deposited again: not by an extension, not when the wall clock steps back. NULL: not marked.
 */
export const m008: Migration = {
  version: 8,
  name: 'return-to-sender',
  up(db) {
    db.exec(`ALTER TABLE parcels ADD COLUMN return_requested_at INTEGER;`);
  },
};
