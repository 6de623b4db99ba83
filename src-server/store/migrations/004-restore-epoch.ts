import type { ServerMigration } from './types';

/**
 * Issue 11, a server that heals (ADR restore-epoch):
 * - `parcels.cancel_reason`: why a parcel was cancelled, for the carrier API (`carrier` = a carrier's cancel,
 *   `not_delivered` = announced but never deposited within `--undelivered-days`, released by the sweep). NULL on
 *   parcels cancelled before this migration (they were all carriers' cancels).
 * - `parcels_expected_since`: the sweep's fleet-wide "expected for too long" scan reads only expected rows.
 * The epoch itself lives in `server_meta` (key `epoch`), created on first use: no DDL.
 */
const DDL = `
    ALTER TABLE parcels ADD COLUMN cancel_reason TEXT;
    CREATE INDEX parcels_expected_since ON parcels(created_at) WHERE status = 'expected';
`;

export const m004: ServerMigration = {
  version: 4,
  name: 'restore-epoch',
  sqlite: DDL,
  postgres: DDL,
};
