import type { Size } from '../../src-shared/api/common';
import type { SizeCounts } from '../../src-shared/sync-protocol';

export const SIZES: readonly Size[] = ['S', 'M', 'L', 'XL'];

/**
 * Can every demanded parcel get its own compartment of its size or larger? With nested sizes this holds exactly
 * when, for each size threshold, the parcels at or above it are no more than the compartments at or above it
 * (Hall's condition on a chain), checked from XL down.
 */
export function fits(supply: SizeCounts, demand: SizeCounts): boolean {
  let s = 0;
  let d = 0;
  for (let i = SIZES.length - 1; i >= 0; i--) {
    const size = SIZES[i]!;
    s += supply[size];
    d += demand[size];
    if (d > s) return false;
  }
  return true;
}

export function zeroCounts(): SizeCounts {
  return { S: 0, M: 0, L: 0, XL: 0 };
}
