/**
 * Wrong-entry rules, pure (ADR 0008 (code lockout)). There is no identity at a public keypad, so every count is kiosk-wide; what
 * differs is what a run of failures does.
 *
 * Technician PIN (staff, not a public keypad): `maxAttempts` wrong entries within `windowMinutes` pause PIN entry
 * for `lockMinutes`, doubling while it engages again within an hour, never beyond 15 minutes; every duration on the
 * monotonic clock; no count of attempts left is shown to anyone; a technician's badge still signs in and clears it.
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

/** A durable lock row (AttemptsRepo; the pickup keypad's `hardened` flag and `clearedAt` live beside it). */
export interface LockoutState {
  level: number;
  lockedUntil: number;
}

export type KeypadMode = 'plain' | 'hardened';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The longest the technician PIN is ever paused, however many times it engages (red-team finding 3: it used to double
 * up to a day and lock the technician out with the guesser).
 */
export const PIN_PAUSE_CAP_MS = 15 * 60_000;
/** A pause that engages again within this long of the last one ending is one level longer (up to the cap). */
export const PIN_LEVEL_RESET_MS = 60 * 60_000;

/** How long the PIN is paused at `level` (1 = first): `lockMinutes`, doubling, never beyond PIN_PAUSE_CAP_MS (ms). */
export function pinPauseMs(policy: LockoutPolicy, level: number): number {
  return Math.min(PIN_PAUSE_CAP_MS, policy.lockMinutes * 60_000 * 2 ** Math.max(0, level - 1));
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
