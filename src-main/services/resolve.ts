import { KioskError } from '../../src-shared/errors';
import type { DoorOpRow } from '../store/door-ops';
import type { DoorEngine } from './doors';
import { flagParcel, releaseReservation, takeOutOfService } from './finish';
import type { Kit } from './kit';
import { decide } from './recovery';

export interface Resolution {
  op: DoorOpRow;
  resolution: 'finished' | 'failed';
  door: 'open' | 'closed' | 'unknown';
}

/**
 * A technician's way out of an operation that never ends: a door left open, or a door sensor that keeps reading
 * "open" (a cut cable reads like an open door). The board is read fresh, then, in one transaction with the audit
 * entry (technician and reason):
 * - the door reads closed → the same decision a restart makes from a fresh read (`recovery.decide`, which ends in
 *   `finishOnClose`): the parcel moves only as the sensors allow, with its outbox event;
 * - the door reads open or cannot be read → the operation fails (outcome `cancelled`, a reference), the compartment
 *   goes out of service for inspection, and no parcel is claimed deposited or picked up: a deposited/expired parcel
 *   stays so and is flagged; a drop-off's reservation is released and the still-expected parcel flagged ("check
 *   whether it is inside"). Nothing about the parcel changed, so the only outbox event is the compartment's.
 */
export async function resolveOperation(kit: Kit, doors: DoorEngine, compartmentId: string, actor: string, reason: string): Promise<Resolution> {
  const c = kit.repos.compartments.get(compartmentId);
  if (!c || !c.inLayout) throw new KioskError('UNKNOWN_COMPARTMENT', 'no such compartment');
  if (!kit.repos.doorOps.activeFor(compartmentId)) throw new KioskError('INVALID_STATE', `no operation in progress on ${compartmentId}`);
  let door: 'open' | 'closed' | null = null;
  try {
    const board = await kit.ctx.doors.readBoard(c.board);
    if (board.online) door = kit.ctx.doors.compartment(compartmentId).door;
  } catch {
    door = null; // a board that does not answer is treated like a sensor we cannot trust
  }
  const item = door === null ? null : doors.itemReading(compartmentId);
  const result = kit.tx(() => {
    // Read again inside the transaction: the door may have closed (and finished the operation) while we waited.
    const op = kit.repos.doorOps.activeFor(compartmentId);
    if (!op) throw new KioskError('INVALID_STATE', `the operation on ${compartmentId} has already ended`);
    const done = door === 'closed' ? decide(kit, op, 'closed', item) : failForInspection(kit, op, door, actor, reason);
    if (!done) throw new KioskError('INVALID_STATE', `the operation on ${compartmentId} could not be resolved`);
    const resolution = door === 'closed' ? 'finished' : 'failed';
    kit.audit(actor, 'maintenance.operation_resolved', {
      compartmentId,
      operationId: op.id,
      purpose: op.purpose,
      from: op.state,
      door: door ?? 'unknown',
      item,
      resolution,
      outcome: done.outcome,
      parcelId: op.parcelId,
      reason,
      // The fault reference the technician's screen shows (closed out for inspection): the audit row lists it too.
      reference: done.reference ?? null,
    });
    return { op: done, resolution, door: door ?? 'unknown' } as const;
  });
  kit.emitOp(result.op);
  doors.refreshAttentive();
  return result;
}

function failForInspection(kit: Kit, op: DoorOpRow, door: 'open' | null, actor: string, reason: string): DoorOpRow | null {
  const { parcels, compartments, doorOps } = kit.repos;
  const reference = kit.newReference();
  const why = `resolved by technician with the door ${door ?? 'unreadable'} (${op.purpose}, ref ${reference}): ${reason}`.slice(0, 200);
  if (compartments.get(op.compartmentId)?.inService) takeOutOfService(kit, op.compartmentId, why, actor);
  if (op.parcelId && releaseReservation(kit, op)) {
    // The driver may or may not have put it in: it is still expected, and someone must look.
    parcels.patch(op.parcelId, { flagged: `drop-off into ${op.compartmentId} not confirmed (${why}): check whether it is inside` }, kit.now());
  } else {
    flagParcel(kit, op.parcelId, why);
  }
  const inside = parcels.inCompartment(op.compartmentId);
  if (inside && inside.id !== op.parcelId) flagParcel(kit, inside.id, why);
  return doorOps.advance(op.id, 'failed', kit.now(), { outcome: 'cancelled', reference });
}
