import type { ServerMigration } from './types';

/**
 * Issue 14, ADR personal-data: personal data of finished parcels is erased after a retention period, and at once on a
 * recipient's request (services/personal-data.ts).
 * - `parcels.personal_erased_at`: when the parcel's recipient (or sender) fields were erased; NULL: not yet.
 * - `parcels.erase_requested_at`: the recipient asked for erasure while the parcel was still live; it is erased by the
 *   first sweep after it finishes, not after the retention period.
 * - `events.notes_erased_at`: when a problem report's free-text note was erased.
 * - Partial indexes holding only what a purge batch still has to do, so a batch costs the same after years of history
 *   (ADR 0020): finished parcels not yet erased (by updated_at), requested ones, problem reports not yet erased.
 * - `parcels_recipient_email` / `parcels_recipient_phone`: erasure on request (and the console's search) find one
 *   recipient's parcels without walking every parcel.
 * The same statements in both dialects (ALTER ADD COLUMN, partial and expression indexes); only the integer type differs.
 */
const ddl = (big: string) => `
    ALTER TABLE parcels ADD COLUMN personal_erased_at ${big};
    ALTER TABLE parcels ADD COLUMN erase_requested_at ${big};
    ALTER TABLE events ADD COLUMN notes_erased_at ${big};
    CREATE INDEX parcels_personal_due ON parcels(updated_at)
      WHERE personal_erased_at IS NULL AND status IN ('picked_up','collected','cancelled');
    CREATE INDEX parcels_erase_requested ON parcels(erase_requested_at)
      WHERE erase_requested_at IS NOT NULL AND personal_erased_at IS NULL;
    CREATE INDEX parcels_recipient_email ON parcels(lower(recipient_email)) WHERE recipient_email IS NOT NULL;
    CREATE INDEX parcels_recipient_phone ON parcels(recipient_phone) WHERE recipient_phone IS NOT NULL;
    CREATE INDEX events_notes_due ON events(received_at) WHERE type = 'problem.reported' AND notes_erased_at IS NULL;
`;

export const m014: ServerMigration = {
  version: 14,
  name: 'personal-data',
  sqlite: ddl('INTEGER'),
  postgres: ddl('BIGINT'),
};
