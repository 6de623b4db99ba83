import { fromCallback } from 'xstate';
import type { KioskBridge } from '../../src-shared/api';
import { onBridgeConnection } from '../bridge';
import type { InProgressEvent } from './app.machine';

/** While "please close door A01" shows, main is asked this often (pushes can be missed across a reconnect). */
const FOLLOW_POLL_MS = 1_000;

/** One reading of main's operations in progress as an app event; null when main did not answer (no link). */
async function readInProgress(kiosk: KioskBridge): Promise<InProgressEvent | null> {
  const r = await kiosk.operationsInProgress({});
  return r.ok ? { type: 'IN_PROGRESS', operations: r.value.operations } : null;
}

/**
 * Asks main for door operations in progress each time the page gets its link to main: on load, and again after
 * every reconnect (a kiosk restart). The app machine decides whether to show "please close door A01" (issue 10 §1).
 * Returns the unsubscribe function.
 */
export function askOnEveryLink(kiosk: KioskBridge, send: (e: InProgressEvent) => void): () => void {
  let live = true;
  const off = onBridgeConnection((state) => {
    if (state !== 'open') return;
    void readInProgress(kiosk).then((e) => {
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
