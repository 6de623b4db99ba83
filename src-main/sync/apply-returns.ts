import type { PlacedDropoff, PlacedParcel, ReturnToSender } from '../../src-shared/sync-protocol';
import { isPrunedHistory } from '../store/retention';
import { ReturnsRepo } from '../store/returns';
import type { ApplyDeps } from './apply-manifest';

type Queue = (type: 'problem.reported', payload: Record<string, unknown>) => void;

/**
 * A parcel marked for return to sender (manifest `returned`, ADR return-reenroll), inside the page's transaction:
 * - deposited → expired now (the code is answered as expired, never opens; the driver's collection list has it);
 * - expired → stays, marked (no extension or clock correction brings it back);
 * - expected, no compartment reserved → cancelled (a driver's scan is refused), marked;
 * - anything else (unknown here, already picked up or collected, a drop-off under way) → nothing: the kiosk's own event
 *   tells the server what happened (a deposit of a marked parcel makes the server send this entry again).
 * Returns whether it changed anything.
 */
export function applyReturn(d: ApplyDeps, e: ReturnToSender, now: number): boolean {
  const p = d.parcels.get(e.parcelId);
  if (!p) return false;
  const returns = new ReturnsRepo(d.db);
  const at = Date.parse(e.requestedAt);
  switch (p.status) {
    case 'deposited':
      d.parcels.transition(p.id, 'expired', { expired_at: now }, now);
      returns.mark(p.id, at, now);
      break;
    case 'expired':
      returns.mark(p.id, at, now);
      break;
    case 'expected':
      if (!d.parcels.cancel(p.id, now)) return false;
      returns.mark(p.id, at, now);
      break;
    default:
      return false;
  }
  d.log.info('parcel marked for return to sender', { parcelId: p.id, was: p.status });
  return true;
}

/**
 * A parcel already in a compartment (manifest `placed`, after this kiosk PC was re-enrolled: ADR return-reenroll). A
 * parcel this store already knows keeps its own state (the PC kept its disk). Refused (logged, and reported to the
 * server as a problem for an operator) when the compartment is not in this kiosk's layout, holds another parcel, or the
 * barcode is active here as another parcel: a wrong entry must not put two parcels behind one door.
 * Returns 'placed', 'known' or 'refused'.
 */
export function applyPlaced(d: ApplyDeps, e: PlacedParcel, now: number, queue: Queue): 'placed' | 'known' | 'refused' {
  // Known here, or finished and pruned long ago (ADR disk-bounds): the kiosk's own state stands.
  if (d.parcels.get(e.parcelId) || isPrunedHistory(d.db, e.seq)) return 'known';
  const returns = new ReturnsRepo(d.db);
  if (refusedPlace(d, returns, e, queue)) return 'refused';
  returns.insertPlaced(
    {
      id: e.parcelId,
      barcode: e.barcode,
      size: e.size,
      accessible: e.accessible,
      compartmentId: e.compartmentId,
      status: e.status,
      // The old digest opens nothing under the new secret; it must only not collide with a live one (unique index).
      codeDigest: d.parcels.byDigest(e.codeDigest) ? null : e.codeDigest,
      pickupWindowDays: e.pickupWindowDays,
      depositedAt: Date.parse(e.depositedAt),
      expiresAt: Date.parse(e.expiresAt),
      returnToSender: e.returnToSender,
      serverSeq: e.seq,
      groupKey: e.groupKey ?? null,
    },
    now,
  );
  return 'placed';
}

/**
 * A sender's drop-off already in a compartment (manifest `placedDropoffs`, after a re-enrollment: ADRs 0019 and
 * return-reenroll): inserted as a deposited outgoing parcel, so the driver's collection list has it and its door is
 * known to hold it. Same rules as applyPlaced. Returns 'placed', 'known' or 'refused'.
 */
export function applyPlacedDropoff(d: ApplyDeps, e: PlacedDropoff, now: number, queue: Queue): 'placed' | 'known' | 'refused' {
  if (d.parcels.get(e.parcelId) || isPrunedHistory(d.db, e.seq)) return 'known';
  const returns = new ReturnsRepo(d.db);
  if (refusedPlace(d, returns, e, queue)) return 'refused';
  returns.insertPlacedDropoff(
    { id: e.parcelId, barcode: e.barcode, size: e.size, compartmentId: e.compartmentId, depositedAt: Date.parse(e.depositedAt), receipt: e.receipt, serverSeq: e.seq },
    now,
  );
  return 'placed';
}

/**
 * Why a placed entry must not be inserted (logged and reported to the server as a problem for an operator), or null:
 * the compartment is not in this kiosk's layout or holds another parcel, or the barcode is active here as another
 * parcel. A wrong entry must not put two parcels behind one door.
 */
function refusedPlace(d: ApplyDeps, returns: ReturnsRepo, e: { parcelId: string; barcode: string; compartmentId: string }, queue: Queue): string | null {
  const why = !returns.compartmentInLayout(e.compartmentId)
    ? `compartment ${e.compartmentId} is not in this kiosk's layout`
    : d.parcels.inCompartment(e.compartmentId)
      ? `compartment ${e.compartmentId} already holds another parcel here`
      : d.parcels.activeByBarcode(e.barcode)
        ? `barcode ${e.barcode} is active here as another parcel`
        : null;
  if (why) {
    d.log.warn('placed parcel refused', { parcelId: e.parcelId, why });
    queue('problem.reported', { kind: 'other', barcode: e.barcode, parcelId: e.parcelId, compartmentId: e.compartmentId, note: `kiosk refused a placed parcel after re-enrollment: ${why}` });
  }
  return why;
}
