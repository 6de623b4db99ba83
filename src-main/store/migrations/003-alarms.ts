import type { Migration } from '../sqlite';

/**
 * Door alarms (left open, forced, jammed) that a technician has not yet acknowledged. Each row is written in the
 * same transaction as the alarm's audit entry (`audit_id`), so the list survives a restart and never disagrees with
 * the log; acknowledging stamps the row (and is itself audited). The live `alarm` event is only the fast path.
 */
export const m003: Migration = {
  version: 3,
  name: 'alarms',
  up(db) {
    db.exec(`
      CREATE TABLE alarms (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        at              INTEGER NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('forced_open','jammed','door_left_open')),
        compartment_id  TEXT NOT NULL,
        audit_id        INTEGER NOT NULL REFERENCES audit_log(id),
        acknowledged_at INTEGER,
        acknowledged_by TEXT
      ) STRICT;
      CREATE INDEX alarms_open ON alarms(id) WHERE acknowledged_at IS NULL;
    `);
  },
};
