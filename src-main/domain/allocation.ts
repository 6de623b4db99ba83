import type { Size } from '../../src-shared/api/common';
import { fits, sizeRank } from './sizes';

/** What allocation needs to know about a free compartment (the store only ever offers free, in-service ones). */
export interface Candidate {
  id: string;
  size: Size;
  heightCm: number;
  row: number;
  column: number;
}

export interface AllocationRequest {
  size: Size;
  /** The recipient asked for a compartment within reach: prefer low ones. */
  accessible: boolean;
}

/**
 * A strategy picks one compartment among free candidates, or null. Pure: the store supplies the candidates and
 * reserves the choice in the same transaction, so two drop-offs never get the same compartment.
 */
export interface AllocationStrategy {
  readonly name: 'best-fit' | 'exact-fit';
  choose(request: AllocationRequest, free: readonly Candidate[]): Candidate | null;
}

/** Highest floor a wheelchair user or a child reaches comfortably (EN 17210 puts operable parts at 40–120 cm). */
export const ACCESSIBLE_MAX_HEIGHT_CM = 120;

/**
 * Among compartments of one size: for accessible parcels, the lowest reachable first, then by height; otherwise
 * prefer the ones that are hard to reach, keeping low compartments for those who need them. Ties break on id so
 * the choice is deterministic.
 */
function bySuitability(accessible: boolean) {
  return (a: Candidate, b: Candidate): number => {
    if (accessible) {
      const ra = a.heightCm <= ACCESSIBLE_MAX_HEIGHT_CM ? 0 : 1;
      const rb = b.heightCm <= ACCESSIBLE_MAX_HEIGHT_CM ? 0 : 1;
      if (ra !== rb) return ra - rb;
      if (a.heightCm !== b.heightCm) return a.heightCm - b.heightCm;
    } else {
      const la = a.heightCm <= ACCESSIBLE_MAX_HEIGHT_CM && a.heightCm >= 40 ? 1 : 0;
      const lb = b.heightCm <= ACCESSIBLE_MAX_HEIGHT_CM && b.heightCm >= 40 ? 1 : 0;
      if (la !== lb) return la - lb;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

/**
 * Best fit: the smallest free size that fits, escalating S→M→L→XL. For an accessible parcel a reachable compartment
 * one size up beats an unreachable one of the exact size.
 */
export const bestFit: AllocationStrategy = {
  name: 'best-fit',
  choose(request, free) {
    const fitting = free.filter((c) => fits(request.size, c.size));
    if (fitting.length === 0) return null;
    const order = bySuitability(request.accessible);
    const pool = request.accessible ? preferReachable(fitting) : fitting;
    return [...pool].sort((a, b) => sizeRank(a.size) - sizeRank(b.size) || order(a, b))[0] ?? null;
  },
};

/** Exact fit: only the parcel's own size; refuses to escalate (installations that sell sizes separately). */
export const exactFit: AllocationStrategy = {
  name: 'exact-fit',
  choose(request, free) {
    const same = free.filter((c) => c.size === request.size);
    return [...same].sort(bySuitability(request.accessible))[0] ?? null;
  },
};

function preferReachable(cands: readonly Candidate[]): readonly Candidate[] {
  const reachable = cands.filter((c) => c.heightCm <= ACCESSIBLE_MAX_HEIGHT_CM);
  return reachable.length > 0 ? reachable : cands;
}

export function strategyFor(name: 'best-fit' | 'exact-fit'): AllocationStrategy {
  return name === 'exact-fit' ? exactFit : bestFit;
}
