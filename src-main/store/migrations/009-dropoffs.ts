import type { Migration } from '../sqlite';

/**
 * Issue 13, ADR drop-offs (send and return from the locker):
 * - `parcels.direction`: `in` (a delivery to a recipient, every parcel so far) or `out` (a drop-off: a sender brings it
 *   with a code from the same code space as pickup codes, a driver collects it). While an `out` parcel is expected its
 *   `expires_at` holds the sender's deadline; once deposited it has none (it waits for the driver, it never expires).
 * - `parcels.receipt`: the reference the sender was shown when the door closed on the parcel.
 * - `door_operations.purpose` gains `send` (a sender's deposit: the journal, recovery and the technician tell it from a
 *   driver's delivery), and `confirmed_at`: on boards without item sensors the sender's "I put it in", which together
 *   with the door closing stands as the proof of the deposit. SQLite cannot widen a CHECK, so the journal is rebuilt
 *   (nothing references it; every row and index kept).
 */
export const m009: Migration = {
  version: 9,
  name: 'dropoffs',
  up(db) {
    db.exec(`
      ALTER TABLE parcels ADD COLUMN direction TEXT NOT NULL DEFAULT 'in' CHECK (direction IN ('in','out'));
      ALTER TABLE parcels ADD COLUMN receipt TEXT;
      CREATE INDEX parcels_outgoing ON parcels(status) WHERE direction = 'out';

      CREATE TABLE door_operations_new (
        id              TEXT PRIMARY KEY,
        purpose         TEXT NOT NULL CHECK (purpose IN ('pickup','dropoff','collection','maintenance','send')),
        compartment_id  TEXT NOT NULL REFERENCES compartments(id),
        parcel_id       TEXT REFERENCES parcels(id),
        actor           TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('requested','unlocked','opened','closed','failed')),
        outcome         TEXT NOT NULL DEFAULT 'pending'
                        CHECK (outcome IN ('pending','completed','item_left','empty_on_close','jammed','cancelled')),
        reason          TEXT,
        reference       TEXT,
        grace_until     INTEGER,
        session_id      TEXT,
        requested_at    INTEGER NOT NULL,
        unlocked_at     INTEGER,
        opened_at       INTEGER,
        closed_at       INTEGER,
        updated_at      INTEGER NOT NULL,
        confirmed_at    INTEGER
      ) STRICT;
      INSERT INTO door_operations_new (id, purpose, compartment_id, parcel_id, actor, state, outcome, reason, reference, grace_until,
          session_id, requested_at, unlocked_at, opened_at, closed_at, updated_at)
        SELECT id, purpose, compartment_id, parcel_id, actor, state, outcome, reason, reference, grace_until,
          session_id, requested_at, unlocked_at, opened_at, closed_at, updated_at FROM door_operations;
      DROP TABLE door_operations;
      ALTER TABLE door_operations_new RENAME TO door_operations;
      CREATE INDEX door_ops_compartment ON door_operations(compartment_id, state);
      CREATE INDEX door_ops_unfinished ON door_operations(state) WHERE state IN ('requested','unlocked','opened');
      CREATE INDEX door_ops_parcel ON door_operations(parcel_id);
      CREATE INDEX door_ops_session ON door_operations(session_id) WHERE session_id IS NOT NULL;
    `);
  },
};
