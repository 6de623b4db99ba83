/**
 * One delivery episode of a parcel at this kiosk, and the transitions its status may take:
 * expected → deposited → picked_up; deposited → expired → collected; expected → cancelled. A drop-off (direction `out`,
 * ADR drop-offs) goes expected → deposited (the sender put it in) → collected (a driver took it), never expiring.
 */
export const PARCEL_STATUSES = ['expected', 'deposited', 'picked_up', 'expired', 'collected', 'cancelled'] as const;
export type ParcelStatus = (typeof PARCEL_STATUSES)[number];

const TRANSITIONS: Record<ParcelStatus, readonly ParcelStatus[]> = {
  expected: ['deposited', 'cancelled'],
  // `collected` straight from deposited: a drop-off, which a driver takes the moment it is in (ADR drop-offs).
  deposited: ['picked_up', 'expired', 'collected'],
  // An expiry extension from the server, or an expired parcel picked up at the door by its owner before collection.
  expired: ['collected', 'deposited', 'picked_up'],
  picked_up: [],
  collected: [],
  cancelled: [],
};

/** Statuses in which a parcel occupies (or has reserved) a compartment. */
export const ACTIVE_STATUSES: readonly ParcelStatus[] = ['expected', 'deposited', 'expired'];

export function canTransition(from: ParcelStatus, to: ParcelStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export class TransitionError extends Error {
  override readonly name = 'TransitionError';
  constructor(
    readonly from: ParcelStatus,
    readonly to: ParcelStatus,
  ) {
    super(`parcel cannot go from ${from} to ${to}`);
  }
}

export function assertTransition(from: ParcelStatus, to: ParcelStatus): void {
  if (!canTransition(from, to)) throw new TransitionError(from, to);
}

export function isParcelStatus(x: unknown): x is ParcelStatus {
  return typeof x === 'string' && (PARCEL_STATUSES as readonly string[]).includes(x);
}
