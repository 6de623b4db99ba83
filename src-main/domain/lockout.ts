/**
 * Wrong-entry rules, pure (ADR 0008 (code lockout)). There is no identity at a public keypad, so every count is kiosk-wide; what
 * differs is what a run of failures does.
 *
 * Technician PIN (staff, not a public keypad): `maxAttempts` wrong entries within `windowMinutes` lock entry for
 * `lockMinutes`, doubling each time it engages again before a quiet day has passed (capped at a day). Failures
 * before the end of the last lock do not count twice.
 *
 * Pickup codes: never a lock. `maxAttempts` wrong entries within a rolling `codeWindowHours` switch the keypad to
 * `hardened`: a code alone is no longer looked up; code + the 4-digit check code from the message is, at most one
 * answer per `hardenedPaceMs` kiosk-wide. A QR token (≥ 96 bits) is outside the budget altogether.
 */
export interface LockoutPolicy {
  maxAttempts: number;
  windowMinutes: number;
  lockMinutes: number;
  codeWindowHours: number;
  hardenedPaceMs: number;
}

export interface LockoutState {
  /** How many times the lock has engaged in a row (0 = never, or reset after a quiet day). */
  level: number;
  lockedUntil: number;
}

export type KeypadMode = 'plain' | 'hardened';

export const LEVEL_RESET_MS = 24 * 60 * 60 * 1000;
export const MAX_LOCK_MS = 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Only failures after this instant count toward the next lock. */
export function countFrom(policy: LockoutPolicy, state: LockoutState, now: number): number {
  return Math.max(now - policy.windowMinutes * 60_000, state.lockedUntil);
}

/**
 * Time left on a lock, clamped on read: a wall clock stepped back never makes a lock longer than the duration it was
 * given (`lockedUntil` was written on the old clock).
 */
export function retryAfterMs(state: LockoutState, now: number, policy?: LockoutPolicy): number {
  const left = Math.max(0, state.lockedUntil - now);
  return policy ? Math.min(left, lockDurationMs(policy, Math.max(1, state.level))) : left;
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

/** The keypad's mode given the wrong entries (plain and hardened alike) in the rolling code window. */
export function keypadMode(policy: LockoutPolicy, failuresInWindow: number): KeypadMode {
  return failuresInWindow >= policy.maxAttempts ? 'hardened' : 'plain';
}

export function codeWindowMs(policy: LockoutPolicy): number {
  return policy.codeWindowHours * 3_600_000;
}

/**
 * The threat budget (ADR 0008 (code lockout)), worst case per day for an attacker at the keypad with `activeParcels` waiting:
 * plain guesses are at most `maxAttempts` per rolling window (a plain guess is only looked up while fewer than that
 * many failures sit in the window, and each becomes one), each hitting with p = n / 10⁶; hardened guesses are at most
 * one per pace, each hitting with p = n / 10¹⁰ (6-digit code × 4-digit check). Union bound, so an upper bound.
 */
export function attackBudget(policy: LockoutPolicy, activeParcels: number): { plainPerDay: number; hardenedPerDay: number; pPerDay: number } {
  const plainPerDay = policy.maxAttempts * Math.ceil(DAY_MS / codeWindowMs(policy));
  const hardenedPerDay = policy.hardenedPaceMs > 0 ? Math.floor(DAY_MS / policy.hardenedPaceMs) : Infinity;
  const pPerDay = (plainPerDay * activeParcels) / 1e6 + (hardenedPerDay * activeParcels) / 1e10;
  return { plainPerDay, hardenedPerDay, pPerDay };
}
