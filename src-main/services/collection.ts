import { KioskError } from '../../src-shared/errors';
import type { DoorEngine } from './doors';
import type { Kit } from './kit';
import { actorOf, type StaffSession } from './sessions';
import { where, type WhereView } from './views';

/**
 * A driver collects expired parcels and drop-offs senders left (ADR drop-offs): list, open each door, and the parcel is
 * collected when its door closes with the compartment empty (finish.ts), which frees the compartment and tells the
 * fleet (`parcel.collected`; for a drop-off the carrier hears `collected`).
 */
export class CollectionService {
  constructor(
    private readonly kit: Kit,
    private readonly doors: DoorEngine,
  ) {}

  /** Expired parcels (oldest expiry first), then outgoing drop-offs (oldest deposit first); `kind` tells them apart. */
  list(): Array<{ parcelId: string; barcode: string; compartmentId: string; expiredAt: string; kind: 'expired' | 'outgoing' }> {
    const { parcels } = this.kit.repos;
    return [
      ...parcels.expired().map((p) => ({ parcelId: p.id, barcode: p.barcode, compartmentId: p.compartmentId!, expiredAt: this.kit.iso(p.expiredAt ?? p.expiresAt ?? 0), kind: 'expired' as const })),
      ...parcels.outgoing().map((p) => ({ parcelId: p.id, barcode: p.barcode, compartmentId: p.compartmentId!, expiredAt: this.kit.iso(p.depositedAt ?? 0), kind: 'outgoing' as const })),
    ];
  }

  async open(session: StaffSession, parcelId: string): Promise<{ operationId: string; where: WhereView }> {
    const { kit } = this;
    const parcel = kit.repos.parcels.get(parcelId);
    if (!parcel) throw new KioskError('UNKNOWN_PARCEL', 'no such parcel');
    const outgoing = parcel.direction === 'out' && parcel.status === 'deposited';
    if (parcel.status !== 'expired' && !outgoing) throw new KioskError('INVALID_STATE', 'only expired parcels and drop-offs are collected');
    const compartment = kit.repos.compartments.get(parcel.compartmentId!)!;
    const active = kit.repos.doorOps.activeFor(compartment.id);
    if (active?.purpose === 'collection' && active.parcelId === parcel.id) return { operationId: active.id, where: where(compartment) };
    const actor = actorOf(session);
    const op = this.doors.journal({ purpose: 'collection', compartmentId: compartment.id, parcelId: parcel.id, actor, sessionId: session.sessionId }, (row) =>
      kit.audit(actor, 'collection.open', { parcelId: parcel.id, compartmentId: compartment.id, operationId: row.id }),
    );
    await this.doors.send(op);
    return { operationId: op.id, where: where(compartment) };
  }
}
