import type { Migration } from '../sqlite';

/**
 * Issue 14, ADR disk-bounds (the disk stays bounded):
 * - `door_ops_finished`, `parcels_finished`: partial indexes on when a finished door operation / parcel last changed,
 *   holding only finished rows, so the retention sweep (store/retention.ts) finds the oldest ones without reading history.
 * - A fifth alarm kind, `disk_low`: free space under the reserve (services/disk-care.ts). It names no compartment, so
 *   `compartment_id` becomes nullable. SQLite cannot widen a CHECK or drop NOT NULL in place: the table is rebuilt as
 *   migration 5 did (ids, audit links and acknowledgements kept).
 */
export const m011: Migration = {
  version: 11,
  name: 'disk-bounds',
  up(db) {
    db.exec(`
      CREATE INDEX door_ops_finished ON door_operations(updated_at) WHERE state IN ('closed','failed');
      CREATE INDEX parcels_finished ON parcels(updated_at) WHERE status IN ('picked_up','collected','cancelled');

      CREATE TABLE alarms_new (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        at              INTEGER NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('forced_open','jammed','door_left_open','unexpected_item','disk_low')),
        compartment_id  TEXT,
        audit_id        INTEGER NOT NULL REFERENCES audit_log(id),
        acknowledged_at INTEGER,
        acknowledged_by TEXT,
        CHECK (kind = 'disk_low' OR compartment_id IS NOT NULL)
      ) STRICT;
      INSERT INTO alarms_new (id, at, kind, compartment_id, audit_id, acknowledged_at, acknowledged_by)
        SELECT id, at, kind, compartment_id, audit_id, acknowledged_at, acknowledged_by FROM alarms;
      DROP TABLE alarms;
      ALTER TABLE alarms_new RENAME TO alarms;
      CREATE INDEX alarms_open ON alarms(id) WHERE acknowledged_at IS NULL;
    `);
  },
};
