import type { LockoutState } from '../domain/lockout';
import type { Db } from './sqlite';

/** `code`: a wrong keypad entry; `qr`: a wrong QR token (reported, never locks); `pin`: a wrong technician PIN. */
export type AttemptScope = 'code' | 'pin' | 'qr';
type LockScope = 'code' | 'pin';

/**
 * Wrong codes / PINs and the state they lead to (the rules are in domain/lockout.ts). Rows carry wall time (they
 * outlive the process, the monotonic clock does not). A wall clock stepped back leaves rows "in the future", which
 * would stay in any window until the clock caught up: `clampFuture` (run before every read of a window) moves them
 * back together so the newest is now, once, and from then on they age normally. So a correction never stretches a
 * window beyond its own length from the moment it is noticed.
 */
export class AttemptsRepo {
  private readonly insert;
  private readonly count;
  private readonly newest;
  private readonly getLock;
  private readonly putLock;
  private readonly clearStmt;
  private readonly hardenStmt;
  private readonly pruneStmt;
  private readonly shiftStmt;
  private readonly shiftClearStmt;
  private readonly shiftAllStmt;
  private readonly shiftLocksStmt;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO failed_attempts (scope, at) VALUES (?, ?)');
    this.count = db.prepare('SELECT count(*) AS n FROM failed_attempts WHERE scope = ? AND at > ?');
    this.newest = db.prepare('SELECT max(at) AS at FROM failed_attempts WHERE scope = ?');
    this.getLock = db.prepare('SELECT level, locked_until AS lockedUntil, cleared_at AS clearedAt, hardened FROM lockouts WHERE scope = ?');
    this.putLock = db.prepare(
      'INSERT INTO lockouts (scope, level, locked_until) VALUES (?, ?, ?) ON CONFLICT(scope) DO UPDATE SET level = excluded.level, locked_until = excluded.locked_until',
    );
    this.clearStmt = db.prepare(
      `INSERT INTO lockouts (scope, level, locked_until, cleared_at, hardened) VALUES (?, 0, 0, ?, 0)
       ON CONFLICT(scope) DO UPDATE SET level = 0, locked_until = 0, cleared_at = excluded.cleared_at, hardened = 0`,
    );
    this.hardenStmt = db.prepare(
      `INSERT INTO lockouts (scope, level, locked_until, hardened) VALUES (?, 0, 0, ?) ON CONFLICT(scope) DO UPDATE SET hardened = excluded.hardened`,
    );
    this.pruneStmt = db.prepare('DELETE FROM failed_attempts WHERE at < ?');
    this.shiftStmt = db.prepare('UPDATE failed_attempts SET at = at - ? WHERE scope = ?');
    this.shiftClearStmt = db.prepare('UPDATE lockouts SET cleared_at = min(cleared_at, ?), locked_until = locked_until - ? WHERE scope = ?');
    this.shiftAllStmt = db.prepare('UPDATE failed_attempts SET at = at + ?');
    // 0 means "never" in both columns: it stays 0.
    this.shiftLocksStmt = db.prepare(
      'UPDATE lockouts SET cleared_at = CASE WHEN cleared_at > 0 THEN cleared_at + ? ELSE 0 END, locked_until = CASE WHEN locked_until > 0 THEN locked_until + ? ELSE 0 END',
    );
  }

  /**
   * A wall-clock jump of `deltaMs` measured by ClockWatch: every failure row, the lock's end and the last clear move
   * with it, so each keeps its real age (red-team finding 6). `clampFuture` stays as the backstop for a jump nobody
   * measured (the kiosk was off): it can only put the newest row at "now".
   */
  shiftByJump(deltaMs: number): void {
    this.shiftAllStmt.run(deltaMs);
    this.shiftLocksStmt.run(deltaMs, deltaMs);
  }

  /** See the class comment. Returns the shift applied (0 when nothing lay in the future). */
  clampFuture(scopes: AttemptScope[], lockScope: LockScope, now: number): number {
    let newest = this.lock(lockScope).clearedAt;
    for (const s of scopes) newest = Math.max(newest, (this.newest.get(s) as { at: number | null }).at ?? 0);
    const shift = newest - now;
    if (shift <= 0) return 0;
    for (const s of scopes) this.shiftStmt.run(shift, s);
    this.shiftClearStmt.run(now, shift, lockScope);
    return shift;
  }

  record(scope: AttemptScope, at: number): void {
    this.insert.run(scope, at);
  }

  /** Failures strictly after `since` (raw wall time, no clamp: the PIN lock's own rules). */
  countSince(scope: AttemptScope, since: number): number {
    return (this.count.get(scope, since) as { n: number }).n;
  }

  /** Failures within the last `windowMs` before `now` and after the scope's last technician clear (`clampFuture` first). */
  countInWindow(scope: AttemptScope, windowMs: number, now: number, clearedAt = 0): number {
    return (this.count.get(scope, Math.max(now - windowMs, clearedAt)) as { n: number }).n;
  }

  lock(scope: LockScope): LockoutState & { clearedAt: number; hardened: boolean } {
    const row = this.getLock.get(scope) as { level: number; lockedUntil: number; clearedAt: number; hardened: number } | undefined;
    return row ? { ...row, hardened: row.hardened === 1 } : { level: 0, lockedUntil: 0, clearedAt: 0, hardened: false };
  }

  setLock(scope: LockScope, state: LockoutState): void {
    this.putLock.run(scope, state.level, state.lockedUntil);
  }

  setHardened(scope: LockScope, hardened: boolean): void {
    this.hardenStmt.run(scope, hardened ? 1 : 0);
  }

  /** A technician cleared the scope: no lock, and failures up to `at` no longer count. */
  clear(scope: LockScope, at: number): void {
    this.clearStmt.run(scope, at);
  }

  prune(before: number): number {
    return this.pruneStmt.run(before).changes;
  }
}
