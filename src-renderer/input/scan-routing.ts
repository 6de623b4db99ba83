import type { KioskBridge } from '../../src-shared/api';
import { isScanLength, listenForScans, type ScanRejection } from './scanner';

/** What the app machine needs to hear about a scan: it counts as activity, then it is routed by what is showing. */
export type ScanSink = (event: { type: 'ACTIVITY' } | { type: 'SCAN'; text: string }) => void;

/**
 * Both scanner kinds end in the same two events: a keyboard-wedge burst seen on the window, and a serial scanner's
 * read pushed by main as the `scan` event. The app machine then decides what the text means (home: badge or pickup
 * QR; pickup: QR; drop-off: parcel barcode), so the two can never drift apart.
 */
export function routeScans(win: Window, kiosk: Pick<KioskBridge, 'on'>, send: ScanSink, onReject?: (why: ScanRejection) => void): () => void {
  // A wedge scan's keys already count as activity through the window's keydown listener.
  const offWedge = listenForScans(win, (text) => send({ type: 'SCAN', text }), undefined, onReject);
  const offSerial = kiosk.on('scan', ({ text }) => {
    send({ type: 'ACTIVITY' });
    // Same length rule as a wedge scan (main caps serial reads too; this keeps the two paths one rule).
    if (isScanLength(text.trim(), 1)) send({ type: 'SCAN', text: text.trim() });
  });
  return () => {
    offWedge();
    offSerial();
  };
}
