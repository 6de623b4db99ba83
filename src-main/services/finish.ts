import type { DoorOpRow } from '../store/door-ops';
import type { ParcelRow } from '../store/parcels';
import type { Kit } from './kit';

/**
 * How a door operation ends, per purpose. Every function here runs inside the caller's transaction and makes the
 * journal, the parcel, the compartment, the outbox and the audit log agree in one commit.
 * `item` is the item sensor after the door closed: true / false, or null where there are no sensors.
 * `before` is the item sensor as last read just before the unlock went out (DoorEngine.send), or null when unknown
 * (no sensors, or the operation is older than this process). A pickup/collection whose compartment already read
 * empty, or a drop-off whose compartment already held an item, is finished (the person did what they came for) but
 * the parcel is flagged and the audit says `sensed: false, itemBefore`: the sensors did not see this operation move
 * the parcel, and the record must not claim they did (ADR 0009, red-team finding 4c).
 */
export function finishOnClose(kit: Kit, opId: string, item: boolean | null, before: boolean | null = null): DoorOpRow | null {
  const op = kit.repos.doorOps.get(opId);
  if (!op || (op.state !== 'opened' && op.state !== 'unlocked' && op.state !== 'requested')) return null;
  const now = kit.now();
  const { parcels, doorOps, compartments } = kit.repos;
  const parcel = op.parcelId ? parcels.get(op.parcelId) : null;
  const close = (outcome: DoorOpRow['outcome'], grace: number | null = null) =>
    doorOps.advance(op.id, 'closed', now, { outcome, grace_until: grace });

  if (op.outcome === 'jammed') return finishAfterNoAnswer(kit, op, item, before);
  const flagUnseen = (parcelId: string, why: string) => addFlag(kit, parcelId, `${why} (operation ${op.id}, ${op.compartmentId})`);
  if (op.outcome === 'cancelled') {
    // "Doesn't fit": the parcel went elsewhere. Something left inside a compartment we consider free is a fault.
    if (item === true && !parcels.inCompartment(op.compartmentId)) takeOutOfService(kit, op.compartmentId, 'unexpected item after a cancelled drop-off');
    return close('cancelled');
  }

  switch (op.purpose) {
    case 'pickup': {
      const grace = now + kit.ctx.config.graceSeconds * 1000;
      if (!parcel) return close('completed', grace);
      if (parcel.status === 'deposited' || parcel.status === 'expired') {
        if (item === true) {
          kit.audit('customer', 'pickup.item_left', { parcelId: parcel.id, compartmentId: op.compartmentId, operationId: op.id });
          return close('item_left', grace);
        }
        parcels.transition(
          parcel.id,
          'picked_up',
          { code_digest: null, spent_digest: parcel.codeDigest, grace_until: grace, picked_up_at: now },
          now,
        );
        const goneBefore = before === false;
        if (goneBefore) flagUnseen(parcel.id, 'parcel was already gone before the door opened: the item sensor read empty before the unlock');
        kit.queue('parcel.picked_up', { parcelId: parcel.id, barcode: parcel.barcode, compartmentId: op.compartmentId });
        kit.audit('customer', 'pickup.completed', {
          parcelId: parcel.id,
          compartmentId: op.compartmentId,
          operationId: op.id,
          sensed: item !== null && !goneBefore,
          itemBefore: before,
        });
        return close('completed', grace);
      }
      // A reopen after the pickup: the parcel is already taken. An item inside now is not ours to track.
      if (item === true && !parcels.inCompartment(op.compartmentId)) takeOutOfService(kit, op.compartmentId, 'item left after pickup');
      kit.audit('customer', 'pickup.reopen_closed', { parcelId: parcel.id, compartmentId: op.compartmentId, operationId: op.id });
      return close('completed', grace);
    }
    case 'dropoff': {
      if (!parcel || parcel.status !== 'expected' || parcel.compartmentId !== op.compartmentId) return close('cancelled');
      if (item === false) {
        releaseReservation(kit, op);
        kit.audit(op.actor, 'dropoff.empty_on_close', { parcelId: parcel.id, compartmentId: op.compartmentId, operationId: op.id });
        return close('empty_on_close');
      }
      const expiresAt = now + parcel.pickupWindowDays * 86_400_000;
      parcels.transition(parcel.id, 'deposited', { deposited_at: now, expires_at: expiresAt }, now);
      const fullBefore = before === true;
      if (fullBefore) flagUnseen(parcel.id, 'an item was already inside before the door opened: the sensor cannot tell it from this parcel');
      const size = compartments.get(op.compartmentId)?.size ?? parcel.size;
      kit.queue('parcel.deposited', {
        parcelId: parcel.id,
        barcode: parcel.barcode,
        ...badgeOf(op.actor),
        compartmentId: op.compartmentId,
        size,
        expiresAt: kit.iso(expiresAt),
      });
      kit.audit(op.actor, 'dropoff.deposited', {
        parcelId: parcel.id,
        compartmentId: op.compartmentId,
        operationId: op.id,
        sensed: item !== null && !fullBefore,
        itemBefore: before,
      });
      return close('completed');
    }
    case 'send': {
      // A sender's drop-off (ADR drop-offs). The item sensor is the proof; without sensors, the sender's "I put it in"
      // (confirmed_at) together with this close is.
      if (!parcel || parcel.direction !== 'out' || parcel.status !== 'expected' || parcel.compartmentId !== op.compartmentId) return close('cancelled');
      if (item === true || (item === null && op.confirmedAt !== null)) {
        const receipt = depositSend(kit, op, parcel, item, before);
        return doorOps.advance(op.id, 'closed', now, { outcome: 'completed', reference: receipt });
      }
      // Sensed empty: nothing went in, the compartment is free again (the code still opens a door). Not sensed and not
      // confirmed: nobody knows, so the compartment stays reserved for this parcel (the code reopens it; the sender may
      // still say it is inside) rather than be offered to someone else with a parcel in it.
      if (item === false) releaseReservation(kit, op);
      kit.audit(op.actor, 'send.empty_on_close', { parcelId: parcel.id, compartmentId: op.compartmentId, operationId: op.id, item });
      return close('empty_on_close');
    }
    case 'collection': {
      // Expired parcels, and drop-offs waiting for a driver (ADR drop-offs).
      if (!parcel || !(parcel.status === 'expired' || (parcel.direction === 'out' && parcel.status === 'deposited'))) return close('completed');
      if (item === true) {
        kit.audit(op.actor, 'collection.item_left', { parcelId: parcel.id, compartmentId: op.compartmentId, operationId: op.id });
        return close('item_left');
      }
      parcels.transition(parcel.id, 'collected', { code_digest: null, collected_at: now }, now);
      const goneBefore = before === false;
      if (goneBefore) flagUnseen(parcel.id, 'parcel was already gone before the door opened: the item sensor read empty before the unlock');
      kit.queue('parcel.collected', { parcelId: parcel.id, barcode: parcel.barcode, ...badgeOf(op.actor), compartmentId: op.compartmentId });
      kit.audit(op.actor, 'collection.collected', {
        parcelId: parcel.id,
        compartmentId: op.compartmentId,
        operationId: op.id,
        sensed: item !== null && !goneBefore,
        itemBefore: before,
      });
      return close('completed');
    }
    case 'maintenance': {
      // The technician may have taken a parcel out or left something in: the store must not claim otherwise.
      const inside = parcels.inCompartment(op.compartmentId);
      if (inside && item === false) flagParcel(kit, inside.id, `not sensed after maintenance (operation ${op.id}): check`);
      if (!inside && item === true) takeOutOfService(kit, op.compartmentId, 'unexpected item after maintenance');
      kit.audit(op.actor, 'maintenance.door_closed', { compartmentId: op.compartmentId, operationId: op.id, item, parcelId: inside?.id ?? null });
      return close('completed');
    }
  }
}

/**
 * The board did not answer between the unlock and the jam ceiling (cut bus, dead board): nobody saw the door open
 * or stay shut. The person is told now (outcome `jammed` with a reference; the operation stays unfinished so the
 * compartment is not offered to anyone else) and the board's next answer decides (`finishOnClose`, `decide`).
 * Nothing is put out of service on a guess. Returns the row, or null when the operation is past that point.
 */
export function markUnconfirmed(kit: Kit, opId: string): DoorOpRow | null {
  const op = kit.repos.doorOps.get(opId);
  if (!op || (op.state !== 'requested' && op.state !== 'unlocked')) return null;
  const reference = kit.newReference();
  kit.repos.doorOps.setOutcome(op.id, 'jammed', kit.now(), reference);
  kit.audit('system', 'door.unconfirmed', { compartmentId: op.compartmentId, operationId: op.id, reference, purpose: op.purpose });
  return kit.repos.doorOps.get(op.id);
}

/**
 * An operation whose person was told "no answer, the door may not have opened" (markUnconfirmed) closes after all:
 * the physical fact decides, exactly as a normal close, and what was said is kept on the parcel for support
 * ("door not seen open") so the two stories can be matched when the customer calls.
 */
function finishAfterNoAnswer(kit: Kit, op: DoorOpRow, item: boolean | null, before: boolean | null): DoorOpRow | null {
  kit.repos.doorOps.setOutcome(op.id, 'pending', kit.now());
  const done = finishOnClose(kit, op.id, item, before);
  if (!done || !op.parcelId) return done;
  const parcel = kit.repos.parcels.get(op.parcelId);
  if (parcel && done.outcome === 'completed' && (parcel.status === 'picked_up' || parcel.status === 'deposited' || parcel.status === 'collected')) {
    addFlag(kit, parcel.id, `door not seen open (operation ${op.id}, ref ${op.reference ?? '-'}): ${parcel.status} by the sensors after the board came back`);
    kit.audit('system', 'door.not_seen_open', { compartmentId: op.compartmentId, operationId: op.id, parcelId: parcel.id, status: parcel.status, reference: op.reference });
  }
  return done;
}

/**
 * The door never read open after the unlock (sensor jam timer, or the driver said so): the compartment goes out of
 * service, the parcel is flagged (pickup / collection) or its reservation released (drop-off), and the customer
 * gets a reference to quote.
 */
export function failJammed(kit: Kit, opId: string, by: 'sensor' | 'driver' | 'recovery'): DoorOpRow | null {
  const op = kit.repos.doorOps.get(opId);
  if (!op || (op.state !== 'requested' && op.state !== 'unlocked' && !(by === 'driver' && op.state === 'opened'))) return null;
  const now = kit.now();
  const reference = kit.newReference();
  const reason = `door did not open (${by}), ref ${reference}`;
  const actor = by === 'driver' ? op.actor : 'system';
  takeOutOfService(kit, op.compartmentId, reason, actor);
  if (!releaseReservation(kit, op)) flagParcel(kit, op.parcelId, reason);
  kit.queue('door.jammed', { compartmentId: op.compartmentId, reference });
  kit.recordAlarm('jammed', op.compartmentId, actor, 'door.jammed', { compartmentId: op.compartmentId, operationId: op.id, reference, purpose: op.purpose });
  // A sensor jam is already pushed as an alarm by the door-event bridge (src-main/door-events.ts); the others are ours.
  if (by !== 'sensor') {
    try {
      kit.ctx.emit('alarm', { kind: 'jammed', compartmentId: op.compartmentId });
    } catch {
      // the screen is not there: the audit log and the outbox have it
    }
  }
  return kit.repos.doorOps.advance(op.id, 'failed', now, { outcome: 'jammed', reference });
}

/**
 * A sensor jam with no operation of ours in flight (an unlock the kiosk no longer tracks, e.g. from before a
 * restart): the same record as an operation's jam (out of service, reference, outbox, alarm with its audit entry),
 * minus the operation. A compartment that already has an unacknowledged jam alarm is the same fault reported again
 * (the driver's "didn't open" came first): nothing is recorded twice. Returns the reference, or null when skipped.
 */
export function recordOrphanJam(kit: Kit, compartmentId: string): string | null {
  const known = kit.repos.alarms.unacknowledged(-1).some((a) => a.kind === 'jammed' && a.compartmentId === compartmentId);
  if (known) return null;
  const reference = kit.newReference();
  const reason = `door did not open (sensor, no operation in progress), ref ${reference}`;
  takeOutOfService(kit, compartmentId, reason);
  const parcel = kit.repos.parcels.inCompartment(compartmentId);
  if (parcel) flagParcel(kit, parcel.id, reason);
  kit.queue('door.jammed', { compartmentId, reference });
  kit.recordAlarm('jammed', compartmentId, 'system', 'door.jammed', { compartmentId, operationId: null, reference, purpose: null });
  return reference;
}

/** The unlock never went out (port down) or the operation is moot: fail it and undo its reservation. */
export function abandon(kit: Kit, opId: string, why: string): DoorOpRow | null {
  const op = kit.repos.doorOps.get(opId);
  if (!op || (op.state !== 'requested' && op.state !== 'unlocked')) return null;
  const now = kit.now();
  releaseReservation(kit, op);
  kit.audit('system', 'door.operation_abandoned', { compartmentId: op.compartmentId, operationId: op.id, why });
  return kit.repos.doorOps.advance(op.id, 'failed', now, { outcome: 'cancelled' });
}

/** `driver:b_xxx` → { badgeId: 'b_xxx' } for outbox payloads. */
export function badgeOf(actor: string): { badgeId?: string } {
  const m = /^(?:driver|technician):(b_[A-Za-z0-9]{8,40})$/.exec(actor);
  return m ? { badgeId: m[1] } : {};
}

/** Out of service for a technician, with the audit entry and the outbox event that always go with it. */
export function takeOutOfService(kit: Kit, compartmentId: string, reason: string, actor = 'system'): void {
  kit.repos.compartments.setService(compartmentId, false, reason);
  kit.audit(actor, 'compartment.out_of_service', { compartmentId, reason });
  kit.queue('compartment.out_of_service', { ...badgeOf(actor), compartmentId, reason: reason.slice(0, 200) });
}

/**
 * A sender's drop-off is in (ADR drop-offs), inside the caller's transaction: the parcel becomes `deposited` with no
 * expiry (it waits for a driver), its code stops working, a receipt reference is made, and the fleet is told
 * (`dropoff.deposited`, which sends the sender the receipt). `item`/`before` as for finishOnClose (null: no sensors, the
 * sender confirmed). Returns the receipt reference; the caller closes the operation with it.
 */
export function depositSend(kit: Kit, op: DoorOpRow, parcel: ParcelRow, item: boolean | null, before: boolean | null): string {
  const now = kit.now();
  const receipt = kit.newReference();
  const size = kit.repos.compartments.get(op.compartmentId)?.size ?? parcel.size;
  kit.repos.parcels.transition(parcel.id, 'deposited', { deposited_at: now, expires_at: null, code_digest: null, receipt, size }, now);
  const fullBefore = before === true;
  if (fullBefore) addFlag(kit, parcel.id, `an item was already inside before the door opened: the sensor cannot tell it from this parcel (operation ${op.id}, ${op.compartmentId})`);
  kit.queue('dropoff.deposited', { parcelId: parcel.id, barcode: parcel.barcode, compartmentId: op.compartmentId, size, receipt });
  kit.audit(op.actor, 'send.deposited', {
    parcelId: parcel.id,
    compartmentId: op.compartmentId,
    operationId: op.id,
    receipt,
    sensed: item !== null && !fullBefore,
    confirmed: op.confirmedAt !== null,
    itemBefore: before,
  });
  return receipt;
}

/** A drop-off's reservation of its compartment ends (the parcel is still expected). True when there was one. */
export function releaseReservation(kit: Kit, op: DoorOpRow): boolean {
  if ((op.purpose !== 'dropoff' && op.purpose !== 'send') || !op.parcelId) return false;
  const parcel = kit.repos.parcels.get(op.parcelId);
  if (!parcel || parcel.status !== 'expected' || parcel.compartmentId !== op.compartmentId) return false;
  kit.repos.parcels.patch(parcel.id, { compartment_id: null }, kit.now());
  return true;
}

/** Marks a parcel that is physically in a compartment (deposited / expired) for a technician. */
export function flagParcel(kit: Kit, parcelId: string | null, why: string): boolean {
  const parcel = parcelId ? kit.repos.parcels.get(parcelId) : null;
  if (!parcel || (parcel.status !== 'deposited' && parcel.status !== 'expired')) return false;
  kit.repos.parcels.patch(parcel.id, { flagged: why }, kit.now());
  return true;
}

/**
 * Adds a reason to a parcel's flag whatever its status (a picked-up parcel can be flagged too: "what the person was
 * told differs from what the sensors showed"), keeping earlier reasons (e.g. a forced door before an unseen pickup).
 * Capped at 1,000 characters, newest reason first.
 */
export function addFlag(kit: Kit, parcelId: string, why: string): void {
  const parcel = kit.repos.parcels.get(parcelId);
  if (!parcel) return;
  const flagged = parcel.flagged ? `${why}; ${parcel.flagged}` : why;
  kit.repos.parcels.patch(parcel.id, { flagged: flagged.slice(0, 1000) }, kit.now());
}
