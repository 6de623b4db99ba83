import type { LockoutState } from '../domain/lockout';
import type { Db } from './sqlite';

export type AttemptScope = 'code' | 'pin';

/** Wrong codes / PINs and the lockout state they lead to (the policy is in domain/lockout.ts). */
export class AttemptsRepo {
  private readonly insert;
  private readonly count;
  private readonly getLock;
  private readonly putLock;
  private readonly pruneStmt;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO failed_attempts (scope, at) VALUES (?, ?)');
    this.count = db.prepare('SELECT count(*) AS n FROM failed_attempts WHERE scope = ? AND at > ?');
    this.getLock = db.prepare('SELECT level, locked_until AS lockedUntil FROM lockouts WHERE scope = ?');
    this.putLock = db.prepare(
      'INSERT INTO lockouts (scope, level, locked_until) VALUES (?, ?, ?) ON CONFLICT(scope) DO UPDATE SET level = excluded.level, locked_until = excluded.locked_until',
    );
    this.pruneStmt = db.prepare('DELETE FROM failed_attempts WHERE at < ?');
  }

  record(scope: AttemptScope, at: number): void {
    this.insert.run(scope, at);
  }

  /** Failures strictly after `since`. */
  countSince(scope: AttemptScope, since: number): number {
    return (this.count.get(scope, since) as { n: number }).n;
  }

  lock(scope: AttemptScope): LockoutState {
    return (this.getLock.get(scope) as LockoutState | undefined) ?? { level: 0, lockedUntil: 0 };
  }

  setLock(scope: AttemptScope, state: LockoutState): void {
    this.putLock.run(scope, state.level, state.lockedUntil);
  }

  prune(before: number): number {
    return this.pruneStmt.run(before).changes;
  }
}
