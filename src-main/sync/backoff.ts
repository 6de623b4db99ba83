import type { RandomSource } from '../clock';

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): after the n-th
 * consecutive failure wait a uniform random time in [0, min(cap, base · 2^(n-1))]. A thousand kiosks that lost the
 * server together do not come back together.
 */
export function backoffDelay(failures: number, o: { baseMs: number; capMs: number }, random: RandomSource): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(o.capMs, o.baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.floor(uniform(random) * ceiling);
}

/** [0, 1) from 4 random bytes. */
export function uniform(random: RandomSource): number {
  return random.bytes(4).readUInt32BE(0) / 2 ** 32;
}
