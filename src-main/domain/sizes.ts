import type { Size } from '../../src-shared/api/common';

/** Compartment and parcel sizes, smallest first. A parcel fits any compartment of its size or larger. */
export const SIZES: readonly Size[] = ['S', 'M', 'L', 'XL'];

export function sizeRank(size: Size): number {
  return SIZES.indexOf(size);
}

/** The next size up, or null for XL. */
export function nextSizeUp(size: Size): Size | null {
  return SIZES[sizeRank(size) + 1] ?? null;
}

export function fits(parcel: Size, compartment: Size): boolean {
  return sizeRank(compartment) >= sizeRank(parcel);
}

export function emptyBySize(): Record<Size, number> {
  return { S: 0, M: 0, L: 0, XL: 0 };
}
