import type { ServerMigration } from './types';

/**
 * "I lost my code", answered too late (ADR customer-self-service): a kiosk's question is recorded with a `ticket` and
 * the ids of the parcels it found (`parcel_ids`, a JSON array; never the number), and re-issued only when the kiosk
 * confirms (`confirmed_at`). Rows of kiosks that ask the old way keep all three NULL. Same statements in both dialects.
 */
const ddl = (big: string) => `
    ALTER TABLE lost_code_requests ADD COLUMN ticket TEXT;
    ALTER TABLE lost_code_requests ADD COLUMN parcel_ids TEXT;
    ALTER TABLE lost_code_requests ADD COLUMN confirmed_at ${big};
    CREATE UNIQUE INDEX lost_code_by_ticket ON lost_code_requests(ticket);
`;

export const m016: ServerMigration = {
  version: 16,
  name: 'lost-code-confirm',
  sqlite: ddl('INTEGER'),
  postgres: ddl('BIGINT'),
};
