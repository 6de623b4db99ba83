import { OUTBOX_RESEND_WINDOW_MS } from './outbox';
import type { Db } from './sqlite';

const DAY_MS = 86_400_000;

/**
 * How long the kiosk keeps what grows with every parcel (ADR disk-bounds; the README's retention table). Windows are
 * wall-clock ms counted from when the row was finished; nothing still needed is ever pruned, whatever its age.
 * - acked outbox events: the re-send window of ADR 0013 (restore-epoch), one constant for both;
 * - door operations: 30 days after they closed or failed (support questions about a visit come within days; the
 *   audit log keeps the facts 90 days and its archive beyond);
 * - finished parcels (picked up, collected, cancelled): 90 days, the audit log's live window (ADR 0020), so every
 *   parcel id a live audit entry names still resolves; at least the re-send window, which the manifest guard needs.
 * Failed code/PIN attempts are pruned by the expiry sweep after 2 days (the longest lockout window, ADR 0008, is 48 h).
 * Personal data (ADR personal-data): a customer's free-text note in an outbox event (a problem report's `note`) is
 * erased 7 days after the fleet acked the event (the fleet has it; a re-send after a fleet restore then carries
 * `[erased]`), and 90 days after it occurred when never acked (the fleet's own period: past it the note has no use).
 */
export const RETENTION = {
  outboxAckedMs: OUTBOX_RESEND_WINDOW_MS,
  doorOpsMs: 30 * DAY_MS,
  parcelsMs: 90 * DAY_MS,
  notesAckedMs: 7 * DAY_MS,
  notesMs: 90 * DAY_MS,
} as const;

/** What an erased note reads (the fleet server writes the same). */
export const ERASED = '[erased]';

/** Rows one prune transaction deletes at most: a few ms of write lock, so an unlock never waits behind a big DELETE. */
export const PRUNE_BATCH = 500;

/** The `meta` key holding the highest server seq of any pruned parcel (the manifest guard, sync/apply-manifest.ts). */
export const PRUNED_SEQ_KEY = 'parcels_pruned_through_seq';

/** `outbox_notes`: not a delete: notes erased in place (ADR personal-data). */
export type PruneTable = 'outbox_notes' | 'outbox' | 'door_operations' | 'parcels';

/** How many rows one call deleted, per table. */
export type PruneCounts = Record<PruneTable, number>;

/**
 * Deletes what is past its window, in batches of PRUNE_BATCH rows, each batch one IMMEDIATE transaction. Between
 * batches `between()` is awaited (the caller yields to the event loop there, so a customer's call goes first);
 * at most `maxBatches` batches per call, the rest is left for the next one. Never pruned:
 * - door operations still open (requested, unlocked, opened), in a reopen window (`grace_until` ahead), or of a parcel
 *   still active (expected, deposited, expired);
 * - parcels still in their reopen grace (`spent_digest` kept), or with a door operation left (a foreign key);
 * - unacked outbox events (their customer notes are erased after RETENTION.notesMs, the event itself is kept).
 * Lockout rows, unacknowledged alarms and the audit chain are not touched here (ADR 0008, ADR 0020).
 * Pruned parcels raise PRUNED_SEQ_KEY in the same transaction. Throws what SQLite throws (a full disk: the caller logs).
 */
export class Retention {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      // Through outbox_notes (migration 12): only events whose note is still there; erasing one takes it out.
      outbox_notes: db.prepare(`UPDATE outbox SET payload = json_set(payload, '$.note', '${ERASED}') WHERE seq IN (
        SELECT seq FROM outbox INDEXED BY outbox_notes
        WHERE type = 'problem.reported' AND json_extract(payload, '$.note') <> '${ERASED}' AND (occurred_at < ? OR acked_at < ?)
        ORDER BY seq LIMIT ${PRUNE_BATCH})`),
      outbox: db.prepare(`DELETE FROM outbox WHERE seq IN (
        SELECT seq FROM outbox WHERE acked_at IS NOT NULL AND acked_at < ? ORDER BY acked_at LIMIT ${PRUNE_BATCH})`),
      door_operations: db.prepare(`DELETE FROM door_operations WHERE id IN (
        SELECT d.id FROM door_operations d LEFT JOIN parcels p ON p.id = d.parcel_id
        WHERE d.state IN ('closed','failed') AND d.updated_at < ? AND (d.grace_until IS NULL OR d.grace_until < ?)
          AND (p.id IS NULL OR p.status IN ('picked_up','collected','cancelled'))
        ORDER BY d.updated_at LIMIT ${PRUNE_BATCH})`),
      parcelsSeq: db.prepare(`SELECT max(server_seq) AS seq FROM (${finishedParcels('server_seq')})`),
      parcels: db.prepare(`DELETE FROM parcels WHERE id IN (${finishedParcels('id')})`),
      raiseSeq: db.prepare(
        `INSERT INTO meta (key, value) VALUES ('${PRUNED_SEQ_KEY}', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value
         WHERE CAST(meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)`,
      ),
    };
  }

  /** One batch of `table` at wall time `now`; returns how many rows it deleted (less than PRUNE_BATCH: done). */
  batch(table: PruneTable, now: number): number {
    return this.db
      .transaction(() => {
        switch (table) {
          case 'outbox_notes':
            return this.stmts.outbox_notes.run(now - RETENTION.notesMs, now - RETENTION.notesAckedMs).changes;
          case 'outbox':
            return this.stmts.outbox.run(now - RETENTION.outboxAckedMs).changes;
          case 'door_operations':
            return this.stmts.door_operations.run(now - RETENTION.doorOpsMs, now).changes;
          case 'parcels': {
            const before = now - RETENTION.parcelsMs;
            const seq = (this.stmts.parcelsSeq.get(before, now) as { seq: number | null }).seq;
            const n = this.stmts.parcels.run(before, now).changes;
            if (n > 0 && seq !== null) this.stmts.raiseSeq.run(String(seq));
            return n;
          }
          default: {
            const never: never = table;
            throw new Error(`unknown table ${String(never)}`);
          }
        }
      })
      .immediate();
  }

  /** Prunes every table until done or `maxBatches` batches ran; see the class comment. */
  async run(now: number, between: () => Promise<void>, maxBatches = 40): Promise<PruneCounts> {
    const counts: PruneCounts = { outbox_notes: 0, outbox: 0, door_operations: 0, parcels: 0 };
    let batches = 0;
    // Notes first (personal data before bulk). Door operations before parcels: a parcel goes only once its operations have (the foreign key).
    for (const table of ['outbox_notes', 'outbox', 'door_operations', 'parcels'] as const) {
      for (;;) {
        if (batches >= maxBatches) return counts;
        if (batches > 0) await between();
        batches++;
        const n = this.batch(table, now);
        counts[table] += n;
        if (n < PRUNE_BATCH) break;
      }
    }
    return counts;
  }
}

/** The oldest finished parcels past the window (`?` = before, `?` = now): through `parcels_finished` (migration 11). */
function finishedParcels(col: 'id' | 'server_seq'): string {
  // INDEXED BY: without it the planner walks parcels_status_expiry, i.e. every finished parcel ever, and sorts them.
  return `SELECT ${col} FROM parcels p INDEXED BY parcels_finished WHERE p.status IN ('picked_up','collected','cancelled') AND p.updated_at < ?
    AND (p.spent_digest IS NULL OR p.grace_until < ?)
    AND NOT EXISTS (SELECT 1 FROM door_operations d WHERE d.parcel_id = p.id)
    ORDER BY p.updated_at LIMIT ${PRUNE_BATCH}`;
}

/**
 * Whether a manifest entry (`seq`) for a parcel this store does not know is the history of a parcel it pruned: at or
 * below the highest server seq pruned. A manifest read again from the start (ADR 0013, after a fleet restore) would
 * otherwise bring every pruned parcel back as expected (or placed). Safe for new parcels after a restore as long as the
 * backup is younger than the re-send window: it then holds every announcement of a pruned parcel (pruned parcels
 * finished RETENTION.parcelsMs ago, longer than the window), so the restored server numbers new entries above them.
 */
export function isPrunedHistory(db: Db, seq: number): boolean {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(PRUNED_SEQ_KEY) as { value: string } | undefined;
  return row !== undefined && seq <= Number(row.value);
}
