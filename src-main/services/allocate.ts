import type { Size } from '../../src-shared/api/common';
import { KioskError } from '../../src-shared/errors';
import type { AllocationStrategy } from '../domain/allocation';
import type { CompartmentRow } from '../store/compartments';
import type { DoorOpPurpose, DoorOpRow } from '../store/door-ops';
import type { ParcelRow } from '../store/parcels';
import type { DoorEngine } from './doors';
import type { Kit } from './kit';

export interface Allocation {
  purpose: Extract<DoorOpPurpose, 'dropoff' | 'send'>;
  parcel: ParcelRow;
  /** The size asked for: the parcel's, or the next one up after "doesn't fit". */
  size: Size;
  /** Compartments not to offer (the one that did not fit, the one that did not open). */
  exclude: ReadonlySet<string>;
  actor: string;
  sessionId?: string;
  /** Audit action written with the allocation, e.g. `dropoff.allocated`. */
  auditAction: string;
}

/**
 * Picks a free compartment for a parcel going INTO the locker (a driver's delivery, a sender's drop-off) and, in ONE
 * transaction, reserves it for the parcel and journals the unlock, so two of them can never get the same compartment
 * (the unique index parcels_compartment_active is the store's own backstop). Not offered: compartments whose pickup may
 * still be reopened (grace window), `exclude`, ones holding a sensed item while the store cannot know the contents yet,
 * and doors on a board known to be offline; when only such doors would fit, HARDWARE_OFFLINE (nothing written; not "no
 * compartment", which would send the parcel away). Returns null when no free compartment of the size (or larger, per
 * the strategy) exists. The caller sends the unlock.
 */
export function allocateAndJournal(kit: Kit, doors: DoorEngine, strategy: AllocationStrategy, a: Allocation): { op: DoorOpRow; chosen: CompartmentRow } | null {
  if (doors.portDown()) throw new KioskError('HARDWARE_OFFLINE', 'the lock board is not reachable');
  return kit.tx(() => {
    const inGrace = kit.repos.parcels.compartmentsInGrace(kit.now());
    // Until the store can account for the locker's contents (a replaced PC before its first manifest has been read,
    // ADR return-reenroll), an item sensed in a "free" compartment is most likely a parcel yet to be placed there.
    const unplaced = kit.repos.enrollment.contentsKnown() ? () => false : (id: string) => doors.itemReading(id) === true;
    const candidates = kit.repos.compartments.free().filter((c) => !a.exclude.has(c.id) && !inGrace.has(c.id) && !unplaced(c.id));
    const free = candidates.filter((c) => !doors.knownOffline(c.id));
    const want = { size: a.size, accessible: a.parcel.accessible };
    const pick = strategy.choose(want, free);
    if (!pick && strategy.choose(want, candidates)) throw new KioskError('HARDWARE_OFFLINE', 'the lock board is not reachable');
    if (!pick) return null;
    const chosen = kit.repos.compartments.get(pick.id)!;
    const now = kit.now();
    kit.repos.parcels.patch(a.parcel.id, { compartment_id: pick.id, ...(a.size !== a.parcel.size ? { size: a.size } : {}) }, now);
    const row = kit.repos.doorOps.insert({ id: kit.newOpId(), purpose: a.purpose, compartmentId: pick.id, parcelId: a.parcel.id, actor: a.actor, sessionId: a.sessionId ?? null }, now);
    kit.audit(a.actor, a.auditAction, { parcelId: a.parcel.id, compartmentId: pick.id, operationId: row.id, strategy: strategy.name });
    return { op: row, chosen };
  });
}
