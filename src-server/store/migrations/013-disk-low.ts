import type { ServerMigration } from './types';

// Every alert kind so far (migration 8) plus `disk.low`.
const KINDS = `'kiosk.offline','door.forced_open','codes.attack','door.left_open','problem.reported','disk.low'`;

/**
 * Issue 14, ADR disk-bounds: kiosks report their disk in the heartbeat (`disk`, optional) and the fleet alerts when one
 * runs under its reserve.
 * - `alert_rules.kind` gains `disk.low`. SQLite cannot alter a CHECK, so the table is rebuilt (nothing references it);
 *   PostgreSQL swaps the named constraint.
 * - `kiosks.disk_low_item`: the open `disk.low` inbox item of the kiosk's current low-disk spell, claimed by a
 *   conditional update so one spell alerts once whichever instance takes the heartbeat; cleared when the disk is
 *   above the reserve again (services/disk-low.ts).
 */
export const m013: ServerMigration = {
  version: 13,
  name: 'disk-low',
  sqlite: `
    CREATE TABLE alert_rules_new (
      kind TEXT PRIMARY KEY CHECK (kind IN (${KINDS})),
      enabled INTEGER NOT NULL DEFAULT 0,
      minutes INTEGER,
      recipients TEXT NOT NULL DEFAULT '[]',
      updated_at INTEGER,
      updated_by TEXT
    ) STRICT;
    INSERT INTO alert_rules_new (kind, enabled, minutes, recipients, updated_at, updated_by)
      SELECT kind, enabled, minutes, recipients, updated_at, updated_by FROM alert_rules;
    DROP TABLE alert_rules;
    ALTER TABLE alert_rules_new RENAME TO alert_rules;
    ALTER TABLE kiosks ADD COLUMN disk_low_item TEXT;
  `,
  postgres: `
    ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_kind_check;
    ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_kind_check CHECK (kind IN (${KINDS}));
    ALTER TABLE kiosks ADD COLUMN disk_low_item TEXT;
  `,
};
