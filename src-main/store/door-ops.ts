import type { DoorOpState } from '../../src-shared/api/common';
import type { Db } from './sqlite';

/** `send`: a sender putting a drop-off in (ADR drop-offs); `dropoff` is a driver's delivery. */
export type DoorOpPurpose = 'pickup' | 'dropoff' | 'collection' | 'maintenance' | 'send';
export type DoorOpOutcome = 'pending' | 'completed' | 'item_left' | 'empty_on_close' | 'jammed' | 'cancelled';

export interface DoorOpRow {
  id: string;
  purpose: DoorOpPurpose;
  compartmentId: string;
  parcelId: string | null;
  actor: string;
  state: DoorOpState;
  outcome: DoorOpOutcome;
  reason: string | null;
  reference: string | null;
  graceUntil: number | null;
  sessionId: string | null;
  requestedAt: number;
  unlockedAt: number | null;
  openedAt: number | null;
  closedAt: number | null;
  /** A `send` on a board without item sensors: when the sender said "I put it in" (ADR drop-offs); null otherwise. */
  confirmedAt: number | null;
}

const COLS = `id, purpose, compartment_id AS compartmentId, parcel_id AS parcelId, actor, state, outcome, reason, reference,
  grace_until AS graceUntil, session_id AS sessionId, requested_at AS requestedAt, unlocked_at AS unlockedAt,
  opened_at AS openedAt, closed_at AS closedAt, confirmed_at AS confirmedAt`;

/** The journal's states move forward only: requested → unlocked → opened → closed | failed. */
const NEXT: Record<DoorOpState, readonly DoorOpState[]> = {
  requested: ['unlocked', 'opened', 'closed', 'failed'],
  unlocked: ['opened', 'closed', 'failed'],
  opened: ['closed', 'failed'],
  closed: [],
  failed: [],
};

export const UNFINISHED: readonly DoorOpState[] = ['requested', 'unlocked', 'opened'];

export function isUnfinished(state: DoorOpState): boolean {
  return UNFINISHED.includes(state);
}

export interface NewDoorOp {
  id: string;
  purpose: DoorOpPurpose;
  compartmentId: string;
  parcelId: string | null;
  actor: string;
  reason?: string | null;
  sessionId?: string | null;
}

/**
 * The door intent journal. A row is written (and committed, synchronous=FULL) before the unlock frame goes out, so
 * after a crash at any instant the start-up reconciliation knows every door the kiosk may have opened.
 */
export class DoorOpsRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly unfinishedStmt;
  private readonly activeStmt;
  private readonly latestStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO door_operations (id, purpose, compartment_id, parcel_id, actor, state, reason, session_id, requested_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare(`SELECT ${COLS} FROM door_operations WHERE id = ?`);
    this.unfinishedStmt = db.prepare(`SELECT ${COLS} FROM door_operations WHERE state IN ('requested','unlocked','opened') ORDER BY requested_at`);
    this.activeStmt = db.prepare(
      `SELECT ${COLS} FROM door_operations WHERE compartment_id = ? AND state IN ('requested','unlocked','opened') ORDER BY requested_at DESC LIMIT 1`,
    );
    // rowid order is insertion order (rows are never re-inserted); max(rowid) is one step down the rowid b-tree, and
    // written this way the plan says so (SEARCH), where ORDER BY rowid DESC LIMIT 1 reads as a SCAN (history-cost test).
    this.latestStmt = db.prepare(`SELECT ${COLS} FROM door_operations WHERE rowid = (SELECT max(rowid) FROM door_operations)`);
  }

  insert(op: NewDoorOp, now: number): DoorOpRow {
    this.insertStmt.run(op.id, op.purpose, op.compartmentId, op.parcelId, op.actor, op.reason ?? null, op.sessionId ?? null, now, now);
    return this.get(op.id)!;
  }

  get(id: string): DoorOpRow | null {
    return (this.getStmt.get(id) as DoorOpRow | undefined) ?? null;
  }

  unfinished(): DoorOpRow[] {
    return this.unfinishedStmt.all() as DoorOpRow[];
  }

  /** The operation journaled last, of any purpose and state; null on a new kiosk. */
  latest(): DoorOpRow | null {
    return (this.latestStmt.get() as DoorOpRow | undefined) ?? null;
  }

  /** The unfinished operation on a compartment, if any (at most one by construction). */
  activeFor(compartmentId: string): DoorOpRow | null {
    return (this.activeStmt.get(compartmentId) as DoorOpRow | undefined) ?? null;
  }

  /**
   * Moves an operation to `to` (refusing to go backwards) and sets the matching timestamp. Returns null when the
   * move is not allowed from the current state (an event arrived late or twice), so callers can ignore it.
   */
  advance(
    id: string,
    to: DoorOpState,
    now: number,
    extra: Partial<{ outcome: DoorOpOutcome; reference: string; grace_until: number | null }> = {},
  ): DoorOpRow | null {
    const op = this.get(id);
    if (!op || !NEXT[op.state].includes(to)) return null;
    const stamp = to === 'unlocked' ? 'unlocked_at' : to === 'opened' ? 'opened_at' : to === 'closed' ? 'closed_at' : null;
    const sets = ['state = @state', 'updated_at = @now'];
    if (stamp) sets.push(`${stamp} = @now`);
    if (to === 'opened' && op.unlockedAt === null) sets.push('unlocked_at = @now');
    for (const k of Object.keys(extra)) sets.push(`${k} = @${k}`);
    this.db.prepare(`UPDATE door_operations SET ${sets.join(', ')} WHERE id = @id`).run({ ...extra, state: to, now, id });
    return this.get(id);
  }

  /** Records the sender's "I put it in" (a `send` on a board without item sensors). True when it was recorded now. */
  confirm(id: string, now: number): boolean {
    return this.db.prepare('UPDATE door_operations SET confirmed_at = ?, updated_at = ? WHERE id = ? AND confirmed_at IS NULL').run(now, now, id).changes > 0;
  }

  /**
   * Outcome/reference changes that keep the state (e.g. "doesn't fit" while the door is still open; "no answer from
   * the board" while the unlock's fate is unknown, which also gives the person a reference).
   */
  setOutcome(id: string, outcome: DoorOpOutcome, now: number, reference?: string): void {
    if (reference === undefined) this.db.prepare('UPDATE door_operations SET outcome = ?, updated_at = ? WHERE id = ?').run(outcome, now, id);
    else this.db.prepare('UPDATE door_operations SET outcome = ?, reference = ?, updated_at = ? WHERE id = ?').run(outcome, reference, now, id);
  }
}
