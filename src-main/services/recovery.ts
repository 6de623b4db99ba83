import type { DoorOpRow } from '../store/door-ops';
import type { DoorEngine } from './doors';
import { abandon, finishOnClose, takeOutOfService } from './finish';
import type { Kit } from './kit';

export interface RecoveryReport {
  checked: number;
  resolved: number;
  /** Still unfinished: door open (waiting for it to close), or its board could not be read yet. */
  waiting: number;
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
  const report: RecoveryReport = { checked: ops.length, resolved: 0, waiting: 0 };
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
    const done = kit.tx(() => decide(kit, fresh, door, item));
    if (done) kit.emitOp(done);
    if (done && (done.state === 'closed' || done.state === 'failed')) report.resolved++;
    else report.waiting++;
  }
  if (ops.length > 0) kit.tx(() => kit.audit('system', 'recovery.reconciled', { ...report }));
  doors.refreshAttentive();
  return report;
}

/**
 * What a fresh read says about an unfinished operation (inside the caller's transaction). Also used by a
 * technician's "Resolve" when the door reads closed: the same decision as a restart, never a second copy.
 */
export function decide(kit: Kit, op: DoorOpRow, door: 'open' | 'closed', item: boolean | null): DoorOpRow | null {
  if (door === 'open') {
    return op.state === 'opened' ? op : kit.repos.doorOps.advance(op.id, 'opened', kit.now());
  }
  if (op.state === 'opened') return finishOnClose(kit, op.id, item);
  // Closed, and we never saw it open.
  if (item === null) {
    if (op.purpose === 'dropoff') takeOutOfService(kit, op.compartmentId, 'check inside: drop-off interrupted by a restart');
    return abandon(kit, op.id, 'restart: door closed, no item sensor');
  }
  const unchanged = op.purpose === 'dropoff' ? item === false : op.purpose === 'maintenance' ? true : item === true;
  if (unchanged) return abandon(kit, op.id, 'restart: nothing moved');
  return finishOnClose(kit, op.id, item);
}
