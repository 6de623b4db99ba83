import { KioskError } from '../../src-shared/errors';
import { afterFailure, attemptsLeft, countFrom, retryAfterMs, type LockoutPolicy } from '../domain/lockout';
import type { AttemptScope } from '../store/attempts';
import type { Kit } from './kit';

/** The lockout for one kind of secret entry (pickup codes, technician PIN), policy from config.lockout. */
export class Lockout {
  constructor(
    private readonly kit: Kit,
    private readonly scope: AttemptScope,
  ) {}

  private get policy(): LockoutPolicy {
    return this.kit.ctx.config.lockout;
  }

  /** Throws LOCKED_OUT while locked. Costs one indexed read. */
  check(): void {
    const now = this.kit.now();
    const wait = retryAfterMs(this.kit.repos.attempts.lock(this.scope), now);
    if (wait > 0) throw new KioskError('LOCKED_OUT', 'too many wrong entries; try again later', { retryAfterMs: wait });
  }

  /** Records a wrong entry (in its own transaction) and throws: LOCKED_OUT when this one engaged the lock, else `code`. */
  reject(code: 'CODE_INVALID' | 'PIN_INVALID', message: string): never {
    const { kit } = this;
    const result = kit.tx(() => {
      const now = kit.now();
      const { attempts } = kit.repos;
      const state = attempts.lock(this.scope);
      attempts.record(this.scope, now);
      const failures = attempts.countSince(this.scope, countFrom(this.policy, state, now) - 1);
      const locked = afterFailure(this.policy, state, failures, now);
      if (locked) {
        attempts.setLock(this.scope, locked);
        kit.audit('system', `${this.scope}.lockout`, { level: locked.level, lockedUntil: kit.iso(locked.lockedUntil), failures });
        return { locked: retryAfterMs(locked, now), left: 0 };
      }
      return { locked: 0, left: attemptsLeft(this.policy, failures) };
    });
    if (result.locked > 0) throw new KioskError('LOCKED_OUT', 'too many wrong entries; try again later', { retryAfterMs: result.locked });
    throw new KioskError(code, message, { attemptsLeft: result.left });
  }
}
