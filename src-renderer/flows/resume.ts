import { fromCallback, fromPromise } from 'xstate';
import type { KioskBridge } from '../../src-shared/api';
import type { Session } from '../../src-shared/api/staff';
import { onBridgeConnection } from '../bridge';
import type { InProgressEvent, RelinkCheck, RelinkedEvent } from './app.machine';
import { unwrap } from './common';

/** While "please close door A01" shows, main is asked this often (pushes can be missed across a reconnect). */
const FOLLOW_POLL_MS = 1_000;

/** One reading of main's operations in progress as an app event; null when main did not answer (no link). */
async function readInProgress(kiosk: KioskBridge): Promise<InProgressEvent | null> {
  const r = await kiosk.operationsInProgress({});
  return r.ok ? { type: 'IN_PROGRESS', operations: r.value.operations } : null;
}

/**
 * The first reading of a page just (re)loaded: the operations in progress, and the sender's drop-off this screen was
 * on (a reload mid-visit resumes it, issue 13). Asked once per page: each answer at an open door carries a fresh
 * "doesn't fit" token that revokes the previous one, which a send flow already on screen would still be holding.
 */
async function readOnLoad(kiosk: KioskBridge, relinked: boolean): Promise<InProgressEvent | RelinkedEvent | null> {
  const [ops, send] = await Promise.all([kiosk.operationsInProgress({}), kiosk.sendResume({})]);
  if (!ops.ok) return null;
  return { type: relinked ? 'RELINKED' : 'IN_PROGRESS', operations: ops.value.operations, send: send.ok ? send.value.resume : null };
}

/**
 * Asks main for door operations in progress each time the page gets its link to main: on load (IN_PROGRESS, with the
 * drop-off to resume), and again after every reconnect (RELINKED: main may have restarted, ending any staff session).
 * The app machine decides whether to resume a sender's visit, to show "please close door A01" (issue 10 §1) or to
 * leave a staff flow whose session is gone (red-team finding 6). `watch` is the transport's connection feed (injected
 * for tests). Returns the unsubscribe function.
 */
export function askOnEveryLink(
  kiosk: KioskBridge,
  send: (e: InProgressEvent | RelinkedEvent) => void,
  watch: typeof onBridgeConnection = onBridgeConnection,
): () => void {
  let live = true;
  let lost = false;
  // The load's reading (with the drop-off to resume) is asked once; only a reading that got no answer is asked again.
  let load: 'unasked' | 'asking' | 'answered' = 'unasked';
  const off = watch((state) => {
    if (state === 'closed') lost = true;
    if (state !== 'open') return;
    const relinked = lost;
    lost = false;
    const first = load === 'unasked';
    if (first) load = 'asking';
    const read = first ? readOnLoad(kiosk, relinked) : readInProgress(kiosk).then((e) => e && (relinked ? { type: 'RELINKED' as const, operations: e.operations } : e));
    void read.then((e) => {
      if (first) load = e ? 'answered' : 'unasked';
      if (live && e) send(e);
    });
  });
  return () => {
    live = false;
    off();
  };
}

/**
 * The app machine's `followInProgress`: a reading now, on every `operation` or `door` push, and every second, until
 * the resume screen is left. Readings without an answer are skipped, so a lost link never ends "close the door".
 */
export function followInProgress(kiosk: KioskBridge) {
  return fromCallback<InProgressEvent>(({ sendBack }) => {
    let stopped = false;
    const read = (): void => {
      void readInProgress(kiosk).then((e) => {
        if (!stopped && e) sendBack(e);
      });
    };
    read();
    const offs = [kiosk.on('operation', read), kiosk.on('door', read)];
    const timer = setInterval(read, FOLLOW_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      offs.forEach((off) => off());
    };
  });
}

/**
 * The app machine's `checkRelink`: asks main, with a read of the session's own role, whether the staff session on
 * screen survived the lost link (SESSION_EXPIRED: main restarted and forgot it), then which doors are in progress.
 * Any other failure rejects (no answer: the link is gone again), so the flow stays until the next relink asks again.
 */
export function checkRelink(kiosk: KioskBridge) {
  return fromPromise<RelinkCheck, { session: Session }>(async ({ input }) => {
    const { sessionId, role } = input.session;
    const read = role === 'driver' ? await kiosk.dropoffSummary({ sessionId }) : await kiosk.maintenanceOverview({ sessionId });
    if (!read.ok && read.error.code !== 'SESSION_EXPIRED') throw read.error;
    const { operations } = await unwrap(kiosk.operationsInProgress({}));
    return { sessionAlive: read.ok, operations };
  });
}
