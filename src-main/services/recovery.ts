import type { DoorOpRow } from '../store/door-ops';
import type { DoorEngine } from './doors';
import { abandon, finishOnClose, flagParcel, takeOutOfService } from './finish';
import type { Kit } from './kit';

export interface RecoveryReport {
  checked: number;
  resolved: number;
  /** Still unfinished: door open (waiting for it to close), or its board could not be read yet. */
  waiting: number;
  /** Compartments where the item sensor and the store disagreed, and what was done (see compareSensors). */
  mismatches: SensorMismatch[];
}

export interface SensorMismatch {
  compartmentId: string;
  /** `unexpected_item`: an item where the store says free → out of service. `missing_parcel`: the reverse → flagged. */
  kind: 'unexpected_item' | 'missing_parcel';
  parcelId: string | null;
  /** Seen going while the kiosk ran (an item edge outside any operation): also a `forced_open` alarm (finding 4b). */
  alarmed?: boolean;
}

export interface CompareOptions {
  /**
   * Compartments whose item this process saw go (an `item-absent` edge) with no operation in flight. A parcel missing
   * from one of these was taken through a door nobody unlocked, so besides the flag it raises a `forced_open` alarm
   * (audited, `door.forced_open` queued), as a forced door does. Without such an edge (start-up, a first read) the
   * store may simply have lost a write: flagged only. Entries are consumed once the compartment is decided.
   */
  vanished?: Set<string>;
}

/**
 * Start-up reconciliation of the door journal against the physical world. For every unfinished operation the
 * board is read fresh, and the sensors decide:
 * - door open → the unlock went out: the operation is `opened` and finishes on the next close event;
 * - door closed after `opened` → finish exactly as a live close would (item sensor decides);
 * - door closed, still `requested`/`unlocked` → whether anything happened is told by the item sensor: if the
 *   compartment holds what it held before (pickup/collection: item present; drop-off: empty), nothing happened and
 *   the operation is abandoned (the code still works, the reservation is released); otherwise finish as a close.
 * - no item sensors and the door closed before we saw it open → we cannot know: pickup/collection keep the parcel
 *   (the code still works); a drop-off puts the compartment out of service for a technician to look inside.
 * A board that does not answer leaves its operations unfinished; `reconcile` runs again when it comes back.
 */
export async function reconcile(kit: Kit, doors: DoorEngine): Promise<RecoveryReport> {
  const ops = kit.repos.doorOps.unfinished();
  const report: RecoveryReport = { checked: ops.length, resolved: 0, waiting: 0, mismatches: [] };
  const read = new Map<number, boolean>();
  for (const op of ops) {
    const c = kit.repos.compartments.get(op.compartmentId);
    if (!c) continue;
    if (!read.has(c.board)) {
      try {
        await kit.ctx.doors.readBoard(c.board);
        read.set(c.board, true);
      } catch {
        read.set(c.board, false);
      }
    }
    const fresh = kit.repos.doorOps.get(op.id)!;
    if (!read.get(c.board) || !['requested', 'unlocked', 'opened'].includes(fresh.state)) {
      if (!read.get(c.board)) report.waiting++;
      continue;
    }
    let door: 'open' | 'closed' | null = null;
    try {
      door = kit.ctx.doors.compartment(c.id).door;
    } catch {
      door = null;
    }
    if (door === null) {
      report.waiting++;
      continue;
    }
    const item = doors.itemReading(c.id);
    const done = kit.tx(() => decide(kit, fresh, door, item, doors.itemAtUnlock(fresh.id)));
    if (done) kit.emitOp(done);
    if (done && (done.state === 'closed' || done.state === 'failed')) report.resolved++;
    else report.waiting++;
  }
  report.mismatches = await compareSensors(kit, read, { vanished: doors.vanished });
  if (ops.length > 0) kit.tx(() => kit.audit('system', 'recovery.reconciled', { checked: report.checked, resolved: report.resolved, waiting: report.waiting }));
  doors.refreshAttentive();
  return report;
}

/**
 * The store against the item sensors, at start-up and after every reconnect (only where `serial.itemSensors`): the
 * store can lose its last transactions (a WAL file deleted after a crash, a restored backup) and a person can
 * reach into a door the kiosk did not open. For every compartment with no operation in flight (door open or shut), board
 * answering:
 * - an item where the store says free → out of service (audited, `compartment.out_of_service` queued) and an
 *   `unexpected_item` alarm for the technician, so it is never allocated over what is physically inside;
 * - a deposited/expired parcel the sensor says is gone → flagged for a technician (its code keeps working: the
 *   sensor may be the one that is wrong).
 * Until the store can know the locker's contents (before enrollment, and until the first manifest after it has been read:
 * a replaced PC learns from it which parcels are where, ADR return-reenroll) an item where the store says free is left
 * alone: it is most likely a parcel about to be placed. Sync runs this again once the manifest has been read.
 * A mismatch already acted on (out of service, flagged) is not acted on again. `read` holds the boards this pass
 * already read (true) or failed to read (false); the others are read here. Returns what was found now.
 */
export async function compareSensors(kit: Kit, read: Map<number, boolean> = new Map(), opts: CompareOptions = {}): Promise<SensorMismatch[]> {
  if (!kit.ctx.config.serial.itemSensors) return [];
  const found: SensorMismatch[] = [];
  const contentsKnown = kit.repos.enrollment.contentsKnown();
  for (const c of kit.repos.compartments.all()) {
    if (!c.inLayout) continue;
    if (!read.has(c.board)) {
      try {
        await kit.ctx.doors.readBoard(c.board);
        read.set(c.board, true);
      } catch {
        read.set(c.board, false);
      }
    }
    if (!read.get(c.board)) continue;
    let state: { door: 'open' | 'closed' | null; item: boolean | null };
    try {
      state = kit.ctx.doors.compartment(c.id);
    } catch {
      continue;
    }
    // An open door with no operation is decided too: an item put into a forced door must be out of service before
    // the next drop-off is allocated, not once someone shuts it.
    if (state.item === null || state.door === null) continue;
    const item = state.item;
    const stored = kit.repos.parcels.inCompartment(c.id);
    const seenGoing = opts.vanished?.has(c.id) === true;
    if (seenGoing && !kit.repos.doorOps.activeFor(c.id)) opts.vanished!.delete(c.id);
    if (item === (stored !== null)) continue; // agree: no write, no transaction
    const mismatch = kit.tx((): SensorMismatch | null => {
      // Re-read inside the write lock: an operation may have started on it since the board was read.
      if (kit.repos.doorOps.activeFor(c.id)) return null;
      const here = kit.repos.compartments.get(c.id)!;
      const parcel = kit.repos.parcels.inCompartment(c.id);
      if (item && !parcel && here.inService && contentsKnown) {
        takeOutOfService(kit, c.id, 'unexpected item: the store says this compartment is free (lost write or someone reached in)');
        kit.recordAlarm('unexpected_item', c.id, 'system', 'compartment.unexpected_item', { compartmentId: c.id });
        return { compartmentId: c.id, kind: 'unexpected_item', parcelId: null };
      }
      if (!item && parcel && !parcel.flagged && (parcel.status === 'deposited' || parcel.status === 'expired')) {
        const when = kit.iso(kit.now());
        flagParcel(kit, parcel.id, seenGoing ? `gone from ${c.id} with no operation at ${when}: door forced or sensor fault, look inside` : `not sensed in ${c.id} at ${when} (start-up / reconnect check): look inside`);
        kit.audit('system', 'parcel.not_sensed', { compartmentId: c.id, parcelId: parcel.id, seenGoing });
        if (seenGoing) {
          kit.recordAlarm('forced_open', c.id, 'system', 'door.forced_open', { compartmentId: c.id, parcelId: parcel.id, evidence: 'item_gone' });
          kit.queue('door.forced_open', { compartmentId: c.id });
        }
        return { compartmentId: c.id, kind: 'missing_parcel', parcelId: parcel.id, alarmed: seenGoing };
      }
      return null;
    });
    if (!mismatch) continue;
    found.push(mismatch);
    if (mismatch.kind === 'unexpected_item' || mismatch.alarmed) {
      try {
        kit.ctx.emit('alarm', { kind: mismatch.kind === 'unexpected_item' ? 'unexpected_item' : 'forced_open', compartmentId: c.id });
      } catch {
        // no screen attached: the alarm row and the audit log have it
      }
    }
  }
  return found;
}

/**
 * What a fresh read says about an unfinished operation (inside the caller's transaction). Also used by a
 * technician's "Resolve" when the door reads closed: the same decision as a restart, never a second copy.
 */
export function decide(kit: Kit, op: DoorOpRow, door: 'open' | 'closed', item: boolean | null, before: boolean | null = null): DoorOpRow | null {
  if (door === 'open') {
    return op.state === 'opened' ? op : kit.repos.doorOps.advance(op.id, 'opened', kit.now());
  }
  if (op.state === 'opened') return finishOnClose(kit, op.id, item, before);
  // Closed, and we never saw it open.
  if (item === null) {
    if (op.purpose === 'dropoff' || op.purpose === 'send') takeOutOfService(kit, op.compartmentId, 'check inside: drop-off interrupted by a restart');
    return abandon(kit, op.id, 'restart: door closed, no item sensor');
  }
  const unchanged = op.purpose === 'dropoff' || op.purpose === 'send' ? item === false : op.purpose === 'maintenance' ? true : item === true;
  if (unchanged) return abandon(kit, op.id, 'restart: nothing moved');
  return finishOnClose(kit, op.id, item, before);
}
