import crypto from 'node:crypto';

/**
 * Time and randomness are injected so tests fast-forward the clock and make codes and ids reproducible.
 *
 * Two clocks, for two different questions (issue 9 §4):
 * - `now()`: wall-clock ms since the epoch. Only for what people read (audit, receipts) and for calendar rules
 *   (a parcel's expiry, signed-request timestamps). It can jump both ways when NTP or a technician corrects it.
 * - `mono()`: a monotonic ms counter with an arbitrary origin that never goes backwards and does not jump. Every
 *   duration (lockout, reopen window, door left open, retries, backoff) is measured on it. It restarts with the
 *   process, so anything durable across a restart stores wall time and is capped on read (never further ahead
 *   than the duration it stands for).
 */
export interface Clock {
  now(): number;
  mono(): number;
}
export interface RandomSource {
  bytes(n: number): Buffer;
}

export const systemClock: Clock = { now: () => Date.now(), mono: () => performance.now() };
export const systemRandom: RandomSource = { bytes: (n) => crypto.randomBytes(n) };

/**
 * A clock tests move by hand. `advance(ms)` is time passing (both clocks move); `jump(ms)` is the wall clock being
 * corrected (only `now()` moves, as when NTP steps the system clock).
 */
export class ManualClock implements Clock {
  private m = 1_000_000;
  constructor(private t = Date.UTC(2026, 10, 22, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  mono(): number {
    return this.m;
  }
  advance(ms: number): void {
    this.t += ms;
    this.m += Math.max(0, ms);
  }
  /** A wall-clock correction: `now()` moves by `ms` (either sign), `mono()` does not. */
  jump(ms: number): void {
    this.t += ms;
  }
  /** Sets the wall clock (a correction, like `jump`); the monotonic clock does not move. */
  set(t: number): void {
    this.t = t;
  }
}

/** Deterministic bytes from a seed (xorshift), for reproducible ids in tests. Never for secrets in production. */
export function seededRandom(seed: number): RandomSource {
  let s = seed >>> 0 || 1;
  return {
    bytes(n) {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        b[i] = s & 0xff;
      }
      return b;
    },
  };
}

export function newId(random: RandomSource, bytes = 12): string {
  return random.bytes(bytes).toString('base64url');
}
