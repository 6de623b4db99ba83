import type { DoorOpRow } from '../store/door-ops';
import type { Kit } from './kit';

/**
 * How long after a drop-off's door closed (or the sender's late "yes, it is inside") a reloaded screen may still resume
 * its question or its receipt. Shorter than the soonest the screen itself ends such a visit unattended (the app's 60 s
 * idle question plus 10 s grace, restarted as the door closes): a resume starts only while the unreloaded screen would
 * still be showing that step, so it cannot reach the next person once the screen would have moved on by itself.
 */
export const SEND_RESUME_WINDOW_MS = 60_000;

/** A step of a sender's visit a (re)loaded screen can resume at, with the operation it belongs to. */
export interface SendResumePoint {
  step: 'door' | 'asking' | 'receipt';
  op: DoorOpRow;
}

export interface ResumeLimits {
  /** When main started: a close before it is not resumed (whether its receipt was dismissed was held in memory). */
  since: number;
  /** Operations whose receipt the screen already left ("Done", "I have another code"). */
  dismissed: { has(operationId: string): boolean };
  /** No item sensors here: a close before "I put it in" leaves the question to the sender. */
  confirmNeeded: boolean;
}

/**
 * Where a reloaded screen picks a sender's drop-off up again, read from the door journal (issues 10 and 13):
 * - `door`: a send operation under way whose parcel still waits for that compartment; the latest one, so after
 *   "doesn't fit" the larger door, never the abandoned first (its outcome is `cancelled`);
 * - `asking` / `receipt`: only when that send operation is the last door operation of all (no other visit has opened
 *   anything since), closed within SEND_RESUME_WINDOW_MS, after main started, and not dismissed: `receipt` once
 *   deposited, `asking` while its parcel is still reserved there and undecided (boards without item sensors).
 * Null otherwise: a reload then shows what the journal says about open doors, as for any other flow.
 */
export function sendResumePoint(kit: Kit, limits: ResumeLimits): SendResumePoint | null {
  const { repos } = kit;
  const stillWaiting = (op: DoorOpRow): boolean => {
    const parcel = op.parcelId ? repos.parcels.get(op.parcelId) : null;
    return parcel?.direction === 'out' && parcel.status === 'expected' && parcel.compartmentId === op.compartmentId;
  };
  const underWay = repos.doorOps.unfinished().filter((op) => op.purpose === 'send' && op.outcome === 'pending' && stillWaiting(op));
  const current = underWay.at(-1);
  if (current) return { step: 'door', op: current };

  const last = repos.doorOps.latest();
  if (!last || last.purpose !== 'send' || last.state !== 'closed' || limits.dismissed.has(last.id)) return null;
  const decidedAt = Math.max(last.closedAt ?? 0, last.confirmedAt ?? 0);
  const age = kit.now() - decidedAt;
  // A wall clock set back makes the age negative: refused, as a stale one is.
  if (decidedAt < limits.since || age < 0 || age > SEND_RESUME_WINDOW_MS) return null;
  if (last.outcome === 'completed' && last.reference !== null) return { step: 'receipt', op: last };
  const undecided = last.outcome === 'empty_on_close' && limits.confirmNeeded && stillWaiting(last) && repos.doorOps.activeFor(last.compartmentId) === null;
  return undecided ? { step: 'asking', op: last } : null;
}
