import { KioskError } from '../../src-shared/errors';
import { codeDigest } from '../../src-server/auth/code-digest';
import type { DoorOpRow } from '../store/door-ops';
import type { ParcelRow } from '../store/parcels';
import type { DoorEngine } from './doors';
import { sweepExpired } from './expiry';
import type { Kit } from './kit';
import { Lockout } from './lockout';
import { where, type WhereView } from './views';

export interface PickupStarted {
  operationId: string;
  where: WhereView;
}

const PROBLEM_KIND = { damaged: 'damaged', missing: 'missing', wrong_parcel: 'wrong_parcel', door_problem: 'door_wont_open', other: 'other' } as const;

/**
 * Customer pickup: a code is looked up by its HMAC digest (index, O(1), offline), the door is journaled and
 * unlocked, and the rest happens on door events (see finish.ts). The code stays valid until the door has opened,
 * closed, and the compartment reads empty; a short grace window after that lets the customer reopen it.
 */
export class PickupService {
  readonly lockout: Lockout;

  constructor(
    private readonly kit: Kit,
    private readonly doors: DoorEngine,
  ) {
    this.lockout = new Lockout(kit, 'code');
  }

  /** The digest a code is stored under; NOT_AVAILABLE before enrollment (no secret to key it). */
  digest(code: string): string {
    const secret = this.kit.repos.enrollment.getKioskSecret();
    if (!secret) throw new KioskError('NOT_AVAILABLE', 'this kiosk is not enrolled yet');
    return codeDigest(secret, code);
  }

  /**
   * Checks a code without touching a door: the parcel it opens, or a thrown CODE_INVALID / CODE_EXPIRED /
   * LOCKED_OUT. Exposed for the bench.
   */
  validate(code: string): { parcel: ParcelRow; reopen: boolean } {
    this.lockout.check();
    const digest = this.digest(code);
    const now = this.kit.now();
    const parcel = this.kit.repos.parcels.byDigest(digest);
    if (parcel) {
      // Past its window but not yet swept (the sweep runs once a minute): expired now, not a minute from now.
      if (parcel.status === 'deposited' && parcel.expiresAt !== null && parcel.expiresAt <= now) {
        sweepExpired(this.kit);
        throw new KioskError('CODE_EXPIRED', 'this code has expired; the parcel is waiting to be returned');
      }
      if (parcel.status === 'deposited') return { parcel, reopen: false };
      if (parcel.status === 'expired') throw new KioskError('CODE_EXPIRED', 'this code has expired; the parcel is waiting to be returned');
      // expected: a real code for a parcel that has not arrived yet. Not a guess, so not counted.
      throw new KioskError('CODE_INVALID', 'this parcel has not been delivered yet', { notYetDelivered: true });
    }
    const spent = this.kit.repos.parcels.bySpentDigest(digest, now);
    if (spent) return { parcel: spent, reopen: true };
    this.lockout.reject('CODE_INVALID', 'no parcel with this code');
  }

  async submitCode(code: string): Promise<PickupStarted> {
    const { parcel } = this.validate(code);
    return this.open(parcel, 'customer');
  }

  /** "Door closed too soon? Reopen": within the grace window of that operation only. */
  async reopen(operationId: string): Promise<PickupStarted> {
    const { kit } = this;
    const op = kit.repos.doorOps.get(operationId);
    if (!op || op.purpose !== 'pickup' || !op.parcelId) throw new KioskError('NOT_FOUND', 'no such pickup');
    if (op.state !== 'closed' || op.graceUntil === null || op.graceUntil < kit.now()) throw noLongerReopenable();
    const parcel = kit.repos.parcels.get(op.parcelId)!;
    return this.open(parcel, 'customer');
  }

  private async open(parcel: ParcelRow, actor: string): Promise<PickupStarted> {
    const { kit } = this;
    const compartmentId = parcel.compartmentId;
    const compartment = compartmentId ? kit.repos.compartments.get(compartmentId) : null;
    if (!compartment) throw new KioskError('INTERNAL', 'parcel without a compartment');
    const reopening = parcel.status === 'picked_up';
    const active = kit.repos.doorOps.activeFor(compartment.id);
    // A reopen after the pickup opens a compartment that may meanwhile hold someone else's parcel: never then.
    if (reopening && (kit.repos.parcels.inCompartment(compartment.id) || (active && active.parcelId !== parcel.id))) throw noLongerReopenable();
    if (active) {
      // The same code twice while its door is already on its way: the same operation, not a second unlock.
      if (active.purpose === 'pickup' && active.parcelId === parcel.id) return { operationId: active.id, where: where(compartment) };
      throw new KioskError('DOOR_FAULT', 'this door is busy; please wait a moment', { reference: null });
    }
    if (!compartment.inService) {
      const reference = kit.newReference();
      kit.tx(() => {
        kit.repos.parcels.patch(parcel.id, { flagged: `pickup refused: compartment out of service, ref ${reference}` }, kit.now());
        kit.audit(actor, 'pickup.door_fault', { parcelId: parcel.id, compartmentId: compartment.id, reference });
        kit.queue('problem.reported', { kind: 'door_wont_open', parcelId: parcel.id, barcode: parcel.barcode, compartmentId: compartment.id, reference });
      });
      throw new KioskError('DOOR_FAULT', 'this door needs a technician; quote the reference to support', { reference });
    }
    const op = this.doors.journal({ purpose: 'pickup', compartmentId: compartment.id, parcelId: parcel.id, actor }, (row) => {
      // Checked again inside the journal's write transaction: nothing can have been allocated in between.
      if (reopening && kit.repos.parcels.inCompartment(compartment.id)) throw noLongerReopenable();
      kit.audit(actor, reopening ? 'pickup.reopen' : 'pickup.code_accepted', { parcelId: parcel.id, compartmentId: compartment.id, operationId: row.id });
    });
    await this.doors.send(op);
    return { operationId: op.id, where: where(compartment) };
  }

  /** "Report a problem": an outbox event for the server and a reference for the customer. */
  reportProblem(input: { operationId?: string; compartmentId?: string; kind: keyof typeof PROBLEM_KIND; note?: string }): { reference: string } {
    const { kit } = this;
    let op: DoorOpRow | null = null;
    if (input.operationId) {
      op = kit.repos.doorOps.get(input.operationId);
      if (!op) throw new KioskError('NOT_FOUND', 'no such operation');
    }
    const compartmentId = op?.compartmentId ?? input.compartmentId;
    if (compartmentId && !kit.repos.compartments.get(compartmentId)) throw new KioskError('UNKNOWN_COMPARTMENT', 'no such compartment');
    const parcel = op?.parcelId ? kit.repos.parcels.get(op.parcelId) : null;
    const reference = kit.newReference();
    kit.tx(() => {
      kit.queue('problem.reported', {
        kind: PROBLEM_KIND[input.kind],
        ...(parcel ? { parcelId: parcel.id, barcode: parcel.barcode } : {}),
        ...(compartmentId ? { compartmentId } : {}),
        reference,
        ...(input.note ? { note: input.note } : {}),
      });
      kit.audit('customer', 'problem.reported', { kind: input.kind, compartmentId: compartmentId ?? null, operationId: op?.id ?? null, reference });
      if (parcel && (parcel.status === 'deposited' || parcel.status === 'expired')) {
        kit.repos.parcels.patch(parcel.id, { flagged: `customer reported ${input.kind}, ref ${reference}` }, kit.now());
      }
    });
    return { reference };
  }
}

function noLongerReopenable(): KioskError {
  return new KioskError('INVALID_STATE', 'this door can no longer be reopened; enter the code again if the parcel is still inside');
}
