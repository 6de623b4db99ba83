import type { ParcelPreference } from '../../src-shared/sync-protocol';
import type { ParcelsRepo } from '../store/parcels';

/**
 * A recipient's request for a compartment within reach (ADR customer-self-service), inside the manifest page's
 * transaction. It changes only a parcel still expected here with no compartment reserved: the next drop-off's allocation
 * then prefers low compartments (domain/allocation.ts). Once the parcel is in a compartment it stays where it is.
 * Applying it twice is harmless (an absolute value). Returns whether it changed the parcel.
 */
export function applyPreference(parcels: ParcelsRepo, e: ParcelPreference, now: number): boolean {
  return parcels.setAccessible(e.parcelId, e.accessible, now);
}
