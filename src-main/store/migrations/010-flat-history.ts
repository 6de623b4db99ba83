import type { Migration } from '../sqlite';

/**
 * Cost flat with history (issue 14, ADR flat-history). Indexes for the queries EXPLAIN QUERY PLAN showed scanning a
 * whole table that grows with every parcel: the sync's read of unacked events in order (`outbox_unacked_seq`; the
 * planner walked every acked row by seq), pruning acked events and old failed attempts by time, and the reopen-window
 * clamp/shift on closed door operations (start-up and every clock jump), and the compartments still in the layout
 * (the free count after every commit scanned every compartment that ever was: 100,000 in bench/core-codes.ts). Each
 * partial index holds only the rows its query can want, so it stays as small as the live set.
 *
 * The audit chain's seals (`audit_seals`): `verified`, the newest entry a check has walked up to, so the next check
 * reads only what came after; `archived`, the newest entry moved out to an archive file, which becomes the start of the
 * live chain. Each carries an HMAC under a key derived from the kiosk secret (store/audit.ts). The DELETE trigger now
 * lets through only entries at or below the archived seal, and that seal never moves back or goes away.
 */
export const m010: Migration = {
  version: 10,
  name: 'flat-history',
  up(db) {
    db.exec(`
      CREATE INDEX outbox_unacked_seq ON outbox(seq) WHERE acked_at IS NULL;
      CREATE INDEX outbox_acked ON outbox(acked_at) WHERE acked_at IS NOT NULL;
      CREATE INDEX failed_attempts_at ON failed_attempts(at);
      CREATE INDEX door_ops_grace ON door_operations(grace_until) WHERE state = 'closed' AND grace_until IS NOT NULL;
      CREATE INDEX compartments_in_layout ON compartments(id) WHERE in_layout = 1;

      CREATE TABLE audit_seals (
        kind  TEXT PRIMARY KEY CHECK (kind IN ('verified','archived')),
        id    INTEGER NOT NULL,
        hash  TEXT NOT NULL,
        at    INTEGER NOT NULL,
        mac   TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_seals_archived_forward BEFORE UPDATE ON audit_seals WHEN OLD.kind = 'archived' AND (NEW.kind <> 'archived' OR NEW.id < OLD.id)
        BEGIN SELECT RAISE(ABORT, 'the archived seal only moves forward'); END;
      CREATE TRIGGER audit_seals_archived_kept BEFORE DELETE ON audit_seals WHEN OLD.kind = 'archived'
        BEGIN SELECT RAISE(ABORT, 'the archived seal only moves forward'); END;

      DROP TRIGGER audit_log_no_delete;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        WHEN OLD.id > coalesce((SELECT id FROM audit_seals WHERE kind = 'archived'), 0)
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    `);
  },
};
