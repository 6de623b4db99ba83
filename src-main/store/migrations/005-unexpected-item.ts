import type { Migration } from '../sqlite';

/**
 * A fourth alarm kind, `unexpected_item` (ADR 0009, door truth): the item sensor sees something in a compartment the
 * store says is free (a deposit lost with the WAL, or someone reached in). The compartment goes out of service and
 * a technician is alarmed, like a jam. SQLite cannot widen a CHECK in place, so the table is rebuilt (ids, audit
 * links and acknowledgements kept).
 */
export const m005: Migration = {
  version: 5,
  name: 'unexpected-item',
  up(db) {
    db.exec(`
      CREATE TABLE alarms_new (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        at              INTEGER NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('forced_open','jammed','door_left_open','unexpected_item')),
        compartment_id  TEXT NOT NULL,
        audit_id        INTEGER NOT NULL REFERENCES audit_log(id),
        acknowledged_at INTEGER,
        acknowledged_by TEXT
      ) STRICT;
      INSERT INTO alarms_new (id, at, kind, compartment_id, audit_id, acknowledged_at, acknowledged_by)
        SELECT id, at, kind, compartment_id, audit_id, acknowledged_at, acknowledged_by FROM alarms;
      DROP TABLE alarms;
      ALTER TABLE alarms_new RENAME TO alarms;
      CREATE INDEX alarms_open ON alarms(id) WHERE acknowledged_at IS NULL;
    `);
  },
};
