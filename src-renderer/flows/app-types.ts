import type { OperationInProgress } from '../../src-shared/api/kiosk';
import type { SendResume } from '../../src-shared/api/send';
import type { Session } from '../../src-shared/api/staff';
import type { ApiError } from '../../src-shared/errors';

/**
 * The kiosk's top-level machine's shapes and timings (app.machine.ts): its context, the events the page and main send
 * it, and the idle/reminder delays a person feels. Kept apart so the machine file holds only the machine.
 */

/** Timings a person feels: 60 s of nothing asks "Are you still there?", 10 s more ends the visit. */
export const IDLE_TIMEOUT_MS = 60_000;
export const IDLE_GRACE_MS = 10_000;
/** An open door is never timed out; after this long the kiosk reminds (and beeps) instead, and repeats. */
export const DOOR_REMINDER_MS = 45_000;
/** Home with nobody touching it goes back to the attract loop. */
export const HOME_IDLE_MS = 60_000;

export interface AppContext {
  session: Session | null;
  initialCode: string | null;
  authError: ApiError | null;
  pendingAuth: { badge: string } | { pin: string } | null;
  reminders: number;
  /** The person is done (finished, signed out or timed out): go to attract and reset the view for the next one. */
  visitOver: boolean;
  /** The door a (re)loaded page found open and asks to close (the `resume` state); null elsewhere. */
  resume: OperationInProgress | null;
  /** PIN entry is paused until then (ISO, from main on entering the PIN screen): said before any digit is typed. */
  pinPausedUntil: string | null;
  /** The sender's drop-off a (re)loaded page picks up (main's sendResume), handed to the send flow it starts. */
  sendResume: SendResume | null;
}

/** Door operations main reports in progress: on load (with `send`, the drop-off to resume), after a reconnect, and while `resume` follows them. */
export type InProgressEvent = { type: 'IN_PROGRESS'; operations: OperationInProgress[]; send?: SendResume | null };
/**
 * The page's link to main came back after it was lost (host mode: main may have restarted under the page), with the
 * operations in progress read on the new link. A restart ends every staff session (they live in main's memory only),
 * so a staff flow on screen asks main whether its session still stands (red-team finding 6, issue 10).
 */
export type RelinkedEvent = { type: 'RELINKED'; operations: OperationInProgress[]; send?: SendResume | null };
/** What main said after a relink: whether the staff session on screen still stands, and the doors in progress. */
export type RelinkCheck = { sessionAlive: boolean; operations: OperationInProgress[] };

export type AppEvent =
  | { type: 'TOUCH' }
  | { type: 'START_PICKUP' }
  | { type: 'START_SEND' }
  | { type: 'LOST_CODE' }
  | { type: 'SCAN'; text: string }
  | { type: 'STAFF_PIN' }
  | { type: 'PIN_SUBMIT'; pin: string }
  | { type: 'CANCEL' }
  | { type: 'ACTIVITY' }
  | { type: 'STILL_HERE' }
  | { type: 'DOOR_OPENED' }
  | { type: 'DOOR_CLOSED' }
  | InProgressEvent
  | RelinkedEvent
  | { type: 'EXIT' };
