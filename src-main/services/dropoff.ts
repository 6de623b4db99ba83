import type { Size } from '../../src-shared/api/common';
import { KioskError } from '../../src-shared/errors';
import { strategyFor, type AllocationStrategy } from '../domain/allocation';
import { nextSizeUp } from '../domain/sizes';
import type { CompartmentRow } from '../store/compartments';
import type { DoorOpRow } from '../store/door-ops';
import type { ParcelRow } from '../store/parcels';
import type { DoorEngine } from './doors';
import { allocateAndJournal } from './allocate';
import { badgeOf, failJammed, releaseReservation } from './finish';
import type { Kit } from './kit';
import { actorOf, type StaffSession } from './sessions';
import { where, type WhereView } from './views';

/** How long a driver's scan of an unknown barcode may wait for an online manifest pull before UNKNOWN_PARCEL. */
export const UNKNOWN_SCAN_LOOKUP_MS = 2_000;

export interface DropoffStarted {
  operationId: string;
  parcelId: string;
  barcode: string;
  where: WhereView;
}

/**
 * Driver drop-off: the scanned barcode must be an expected parcel for this kiosk; a compartment is chosen by the
 * installation's strategy and reserved in the same transaction that journals the door, so two drop-offs can never
 * get the same compartment (the unique index parcels_compartment_active is the store's own backstop).
 * The parcel counts as deposited only when the door closes with an item inside (finish.ts).
 */
export class DropoffService {
  readonly strategy: AllocationStrategy;

  constructor(
    private readonly kit: Kit,
    private readonly doors: DoorEngine,
  ) {
    this.strategy = strategyFor(kit.ctx.config.allocation);
  }

  async scan(session: StaffSession, barcode: string): Promise<DropoffStarted> {
    let parcel = this.kit.repos.parcels.activeByBarcode(barcode);
    // A shipment announced seconds ago may not be here yet (no push, or a ping in flight): one bounded online look.
    if (!parcel && (await this.kit.ctx.sync.refreshManifest?.(UNKNOWN_SCAN_LOOKUP_MS))) parcel = this.kit.repos.parcels.activeByBarcode(barcode);
    if (!parcel) {
      const last = this.kit.repos.parcels.latestByBarcode(barcode);
      // Delivered and since picked up (or collected): "already in the locker" would send the driver looking for it.
      if (last && (last.status === 'picked_up' || last.status === 'collected')) throw new KioskError('ALREADY_COMPLETED', 'this parcel was already delivered here and has left the locker');
      throw new KioskError('UNKNOWN_PARCEL', last?.status === 'cancelled' ? 'this delivery was cancelled' : 'no parcel with this barcode is expected here');
    }
    // A drop-off (ADR drop-offs) comes in with its sender's code, never with a driver: it is not a delivery.
    if (parcel.direction === 'out' && parcel.status === 'expected') throw new KioskError('UNKNOWN_PARCEL', 'this is a drop-off for a sender, not a delivery');
    if (parcel.status !== 'expected') throw new KioskError('ALREADY_DEPOSITED', 'this parcel is already in the locker', { compartmentId: parcel.compartmentId });
    if (parcel.compartmentId) {
      const active = this.kit.repos.doorOps.activeFor(parcel.compartmentId);
      if (active && active.parcelId === parcel.id) throw new KioskError('DUPLICATE_SCAN', 'this parcel is already being delivered', { operationId: active.id });
    }
    return this.allocateAndOpen(session, parcel, parcel.size, new Set(), 'no_compartment');
  }

  /**
   * "Doesn't fit": the parcel's reservation ends and the next size up opens. The first operation stays unfinished
   * (outcome `cancelled`) whatever its state: its door is open, or may still open (the frame is on the wire), so the
   * compartment is not offered again until its door is seen closed (finish.ts checks it is empty) or it jams.
   */
  async doesntFit(session: StaffSession, operationId: string): Promise<DropoffStarted> {
    const { kit } = this;
    const { op, parcel, compartment } = this.current(session, operationId);
    const bigger = nextSizeUp(compartment.size);
    const given = kit.tx(() => {
      kit.repos.doorOps.setOutcome(op.id, 'cancelled', kit.now());
      releaseReservation(kit, op);
      kit.audit(actorOf(session), 'dropoff.doesnt_fit', { parcelId: parcel.id, compartmentId: compartment.id, operationId: op.id });
      return kit.repos.doorOps.get(op.id)!;
    });
    kit.emitOp(given);
    if (!bigger) return this.keep(session, parcel, 'does_not_fit', 'no larger compartment exists');
    return this.allocateAndOpen(session, this.kit.repos.parcels.get(parcel.id)!, bigger, new Set([compartment.id]), 'does_not_fit');
  }

  /** "Door didn't open": that compartment goes out of service, another one of the same size (or up) opens. */
  async doorDidntOpen(session: StaffSession, operationId: string): Promise<DropoffStarted> {
    const { op, parcel, compartment } = this.current(session, operationId, true);
    if (op.state !== 'failed') {
      const failed = this.kit.tx(() => failJammed(this.kit, op.id, 'driver'));
      if (failed) this.kit.emitOp(failed);
      this.doors.refreshAttentive();
    }
    return this.allocateAndOpen(session, this.kit.repos.parcels.get(parcel.id)!, compartment.size, new Set([compartment.id]), 'door_fault');
  }

  /** This visit's deliveries: only parcels that are in (door closed on them), never one whose door is still open. */
  summary(session: StaffSession): {
    delivered: Array<{ barcode: string; compartmentId: string; state: DoorOpRow['state'] }>;
    keptByDriver: Array<{ barcode: string; reason: string }>;
  } {
    const rows = this.kit.repos.db
      .prepare(
        `SELECT p.barcode, d.compartment_id AS compartmentId, d.state FROM door_operations d JOIN parcels p ON p.id = d.parcel_id
         WHERE d.session_id = ? AND d.purpose = 'dropoff' AND d.outcome = 'completed'
         ORDER BY d.requested_at DESC, d.rowid DESC`,
      )
      .all(session.sessionId) as Array<{ barcode: string; compartmentId: string; state: DoorOpRow['state'] }>;
    return { delivered: rows, keptByDriver: [...session.keptByDriver].reverse() };
  }

  private current(session: StaffSession, operationId: string, allowFailed = false) {
    const op = this.kit.repos.doorOps.get(operationId);
    if (!op || op.purpose !== 'dropoff' || op.sessionId !== session.sessionId || !op.parcelId) throw new KioskError('NOT_FOUND', 'no such drop-off in this visit');
    const unfinished = op.state === 'requested' || op.state === 'unlocked' || op.state === 'opened';
    // Failed as a jam, or abandoned once the board answered again and showed nothing moved (the "no answer" case):
    // either way the driver still holds the parcel and asks for another door.
    const failedOpen = op.state === 'failed' && (op.outcome === 'jammed' || op.outcome === 'cancelled');
    if (!unfinished && !(allowFailed && failedOpen)) throw new KioskError('INVALID_STATE', 'this door operation is already finished');
    const parcel = this.kit.repos.parcels.get(op.parcelId)!;
    if (parcel.status !== 'expected') throw new KioskError('INVALID_STATE', 'this parcel is already deposited');
    const compartment = this.kit.repos.compartments.get(op.compartmentId)!;
    return { op, parcel, compartment };
  }

  private async allocateAndOpen(
    session: StaffSession,
    parcel: ParcelRow,
    size: Size,
    exclude: ReadonlySet<string>,
    reasonIfNone: 'no_compartment' | 'does_not_fit' | 'door_fault',
  ): Promise<DropoffStarted> {
    const { kit } = this;
    const actor = actorOf(session);
    let picked: { op: DoorOpRow; chosen: CompartmentRow } | null;
    try {
      picked = allocateAndJournal(kit, this.doors, this.strategy, { purpose: 'dropoff', parcel, size, exclude, actor, sessionId: session.sessionId, auditAction: 'dropoff.allocated' });
    } catch (err) {
      if (String((err as Error).message).includes('UNIQUE')) throw new KioskError('DUPLICATE_SCAN', 'this parcel is already being delivered');
      throw err;
    }
    if (!picked) return this.keep(session, parcel, reasonIfNone, 'no free compartment fits this parcel');
    const sent = await this.doors.send(picked.op);
    return { operationId: sent.id, parcelId: parcel.id, barcode: parcel.barcode, where: where(picked.chosen) };
  }

  private keep(session: StaffSession, parcel: ParcelRow, reason: 'no_compartment' | 'does_not_fit' | 'door_fault', message: string): never {
    const { kit } = this;
    kit.tx(() => {
      kit.queue('parcel.kept_by_driver', { parcelId: parcel.id, barcode: parcel.barcode, ...badgeOf(actorOf(session)), reason });
      kit.audit(actorOf(session), 'dropoff.kept_by_driver', { parcelId: parcel.id, reason });
    });
    session.keptByDriver.push({ barcode: parcel.barcode, reason });
    throw new KioskError('NO_COMPARTMENT', `${message}; please keep the parcel`, { reason });
  }
}
