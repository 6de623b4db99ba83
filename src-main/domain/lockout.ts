/**
 * Code-entry lockout policy, pure. There is no identity at a public keypad, so the lockout is kiosk-wide:
 * `maxAttempts` wrong entries within `windowMinutes` lock entry for `lockMinutes`, doubling each time it engages
 * again before a quiet day has passed (capped at a day). Failures before the end of the last lock do not count
 * twice: after a lock ends, the next lock needs `maxAttempts` fresh failures.
 */
export interface LockoutPolicy {
  maxAttempts: number;
  windowMinutes: number;
  lockMinutes: number;
}

export interface LockoutState {
  /** How many times the lock has engaged in a row (0 = never, or reset after a quiet day). */
  level: number;
  lockedUntil: number;
}

export const LEVEL_RESET_MS = 24 * 60 * 60 * 1000;
export const MAX_LOCK_MS = 24 * 60 * 60 * 1000;

/** Only failures after this instant count toward the next lock. */
export function countFrom(policy: LockoutPolicy, state: LockoutState, now: number): number {
  return Math.max(now - policy.windowMinutes * 60_000, state.lockedUntil);
}

export function retryAfterMs(state: LockoutState, now: number): number {
  return Math.max(0, state.lockedUntil - now);
}

export function lockDurationMs(policy: LockoutPolicy, level: number): number {
  return Math.min(MAX_LOCK_MS, policy.lockMinutes * 60_000 * 2 ** Math.max(0, level - 1));
}

/**
 * After a failure has been recorded: `failures` is the count since `countFrom`. Returns the new state when the
 * lock engages, or null.
 */
export function afterFailure(policy: LockoutPolicy, state: LockoutState, failures: number, now: number): LockoutState | null {
  if (failures < policy.maxAttempts) return null;
  const level = state.level > 0 && now - state.lockedUntil < LEVEL_RESET_MS ? state.level + 1 : 1;
  return { level, lockedUntil: now + lockDurationMs(policy, level) };
}

export function attemptsLeft(policy: LockoutPolicy, failures: number): number {
  return Math.max(0, policy.maxAttempts - failures);
}
