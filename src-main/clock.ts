import crypto from 'node:crypto';

/** Time and randomness are injected so tests fast-forward the clock and make codes and ids reproducible. */
export interface Clock {
  now(): number;
}
export interface RandomSource {
  bytes(n: number): Buffer;
}

export const systemClock: Clock = { now: () => Date.now() };
export const systemRandom: RandomSource = { bytes: (n) => crypto.randomBytes(n) };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2026, 10, 22, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
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
