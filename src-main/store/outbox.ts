import type { RandomSource } from '../clock';
import type { Db } from './sqlite';
import { EVENT_PAYLOADS, type EventType } from '../../src-shared/sync-protocol';

/**
 * An event the kiosk was about to queue does not match the sync contract (`EVENT_PAYLOADS` in src-shared/sync-protocol):
 * the fleet server would refuse its whole batch, and the outbox would hold it in quarantine for good. Thrown inside the
 * transaction that makes the change, so the mistake shows in the first test that takes that path (red team 12:
 * a fractional `openForMs` from the monotonic clock never reached the fleet) instead of as a silent outbox lag.
 * `code` is always OUTBOX_CONTRACT; the message names the event type and the first failing field.
 */
export class OutboxContractError extends Error {
  override readonly name = 'OutboxContractError';
  readonly code = 'OUTBOX_CONTRACT';
}

/**
 * Events for the fleet server, written in the same transaction as the state change they report. Each has a UUID
 * that the server uses as its idempotency key, so a batch re-sent after a lost reply is applied once.
 * The sync client reads `pending`, posts, then `markAcked` / `markFailed`.
 */
export interface OutboxEvent {
  id: string;
  type: EventType;
  /** ISO instant. */
  occurredAt: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/** The longest the outbox defers an event (a refused one; sync's `poisonRetryMs` default): the cap on read. */
export const OUTBOX_MAX_DEFER_MS = 3_600_000;

/**
 * How long an ACKED event stays in the outbox (ADR restore-epoch): if the fleet server's database is restored from a
 * backup younger than this, the kiosk re-sends every event the server may have lost, and the server stores each once
 * (by UUID). Older acked events are pruned (`pruneAcked`). 30 days: well beyond how old a backup an operator restores
 * (daily backups, a few kept), at a cost of a few thousand small rows on a busy locker.
 */
export const OUTBOX_RESEND_WINDOW_MS = 30 * 86_400_000;

export function uuidV4(random: RandomSource): string {
  const b = random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class OutboxRepo {
  private readonly insert;
  private readonly pendingStmt;
  private readonly ackStmt;
  private readonly failStmt;
  private readonly depthStmt;
  private readonly retryStmt;
  private readonly clampStmt;
  private readonly shiftStmt;
  private readonly requeueStmt;
  private readonly pruneStmt;
  private readonly lastAckedStmt;

  constructor(
    db: Db,
    private readonly random: RandomSource,
  ) {
    this.insert = db.prepare('INSERT INTO outbox (id, type, occurred_at, payload) VALUES (?, ?, ?, ?)');
    this.pendingStmt = db.prepare(
      'SELECT id, type, occurred_at, payload, attempts FROM outbox WHERE acked_at IS NULL AND next_attempt_at <= ? ORDER BY seq LIMIT ?',
    );
    this.ackStmt = db.prepare('UPDATE outbox SET acked_at = ? WHERE id = ? AND acked_at IS NULL');
    this.failStmt = db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND acked_at IS NULL');
    this.retryStmt = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? AND acked_at IS NULL');
    this.depthStmt = db.prepare('SELECT count(*) AS n FROM outbox WHERE acked_at IS NULL');
    // Through the partial index outbox_pending: only unacked rows deferred past the cap are touched.
    this.clampStmt = db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE acked_at IS NULL AND next_attempt_at > ?');
    this.shiftStmt = db.prepare('UPDATE outbox SET next_attempt_at = next_attempt_at + ? WHERE acked_at IS NULL AND next_attempt_at > ?');
    // Every acked event still kept goes back to pending, in its original order (seq), due at once.
    this.requeueStmt = db.prepare('UPDATE outbox SET acked_at = NULL, next_attempt_at = 0 WHERE acked_at IS NOT NULL');
    this.pruneStmt = db.prepare('DELETE FROM outbox WHERE acked_at IS NOT NULL AND acked_at < ?');
    // The newest acked event: a reverse scan of the primary key that stops at the first acked row.
    this.lastAckedStmt = db.prepare('SELECT id FROM outbox WHERE acked_at IS NOT NULL ORDER BY seq DESC LIMIT 1');
    this.ack = db.transaction((ids: readonly string[], now: number) => ids.reduce((n, id) => n + this.ackStmt.run(now, id).changes, 0));
    this.fail = db.transaction((ids: readonly string[], next: number, error: string) => {
      for (const id of ids) this.failStmt.run(next, error.slice(0, 500), id);
    });
    this.retry = db.transaction((ids: readonly string[], error: string) => {
      for (const id of ids) this.retryStmt.run(error.slice(0, 500), id);
    });
  }

  private readonly ack: (ids: readonly string[], now: number) => number;
  private readonly fail: (ids: readonly string[], next: number, error: string) => void;
  private readonly retry: (ids: readonly string[], error: string) => void;

  /**
   * Queues an event (call inside the transaction that makes the change). Returns its UUID.
   * @throws OutboxContractError when the payload is not what the fleet server takes for `type` (nothing is written).
   */
  enqueue(type: EventType, payload: Record<string, unknown>, occurredAt: number): string {
    const checked = EVENT_PAYLOADS[type].safeParse(payload);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new OutboxContractError(`event ${type} does not match the sync contract: ${issue?.path.join('.') || '(payload)'}: ${issue?.message ?? 'invalid'}`);
    }
    const id = uuidV4(this.random);
    this.insert.run(id, type, occurredAt, JSON.stringify(payload));
    return id;
  }

  /**
   * Unacked events due at `now` (wall ms), oldest first. `maxDeferMs` is the longest the outbox ever defers an event:
   * a deferral further ahead than that was written by a clock that was fast and has since been corrected, so it is
   * first cut back to `now + maxDeferMs` (and stored so), never held for the days the clock was off (issue 9 §4).
   */
  pending(now: number, limit = 200, maxDeferMs = OUTBOX_MAX_DEFER_MS): OutboxEvent[] {
    this.clampStmt.run(now + maxDeferMs, now + maxDeferMs);
    const rows = this.pendingStmt.all(now, limit) as Array<{ id: string; type: EventType; occurred_at: number; payload: string; attempts: number }>;
    return rows.map((r) => ({ id: r.id, type: r.type, occurredAt: new Date(r.occurred_at).toISOString(), payload: JSON.parse(r.payload), attempts: r.attempts }));
  }

  /** Returns how many were newly acked (acking twice is harmless). */
  markAcked(ids: readonly string[], now: number): number {
    return this.ack(ids, now);
  }

  /** Sets events aside until `nextAttemptAt` (wall ms): for an event the server refuses (our bug, not the network's). */
  markFailed(ids: readonly string[], nextAttemptAt: number, error: string): void {
    this.fail(ids, nextAttemptAt, error);
  }

  /**
   * Counts a failed attempt and keeps the events due: a network failure defers nothing here, the sync client's
   * backoff (real time, in memory) decides when the next attempt is. A wall-clock deadline written here would hold
   * the events for as long as the clock was wrong.
   */
  markRetry(ids: readonly string[], error: string): void {
    this.retry(ids, error);
  }

  /**
   * A wall-clock jump of `deltaMs` the clock watch saw at `fromMs` (the wall time just before it): deferrals still
   * ahead then move with it, so each waits the rest of its deferral in real time. Returns how many moved.
   */
  shiftDeferrals(fromMs: number, deltaMs: number): number {
    return this.shiftStmt.run(deltaMs, fromMs).changes;
  }

  /**
   * The fleet server lost events it had acked (restored from an older backup, ADR restore-epoch): every acked event
   * still kept (`OUTBOX_RESEND_WINDOW_MS`) becomes pending again, in its original order, so the next push re-sends
   * them; the server answers `duplicate` for those it still has. Returns how many were re-queued.
   */
  requeueAcked(): number {
    return this.requeueStmt.run().changes;
  }

  /** Forgets acked events acked before `before` (wall ms): past the re-send window. Returns how many. */
  pruneAcked(before: number): number {
    return this.pruneStmt.run(before).changes;
  }

  /** The UUID of the newest acked event, or null: the manifest pull asks whether the server still has it. */
  lastAcked(): string | null {
    return (this.lastAckedStmt.get() as { id: string } | undefined)?.id ?? null;
  }

  depth(): number {
    return (this.depthStmt.get() as { n: number }).n;
  }
}
