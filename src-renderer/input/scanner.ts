/**
 * A keyboard-wedge barcode scanner "types" its payload as a burst of keystrokes a few ms apart and ends with Enter.
 * A person typing on a (maintenance) keyboard is an order of magnitude slower. We tell them apart by timing only,
 * so the detector is a pure function of (key, timestamp) and is tested without a DOM.
 */
export interface ScannerOptions {
  /** Largest average gap between the keys of one burst. */
  maxGapMs?: number;
  /**
   * Largest single gap tolerated inside a burst. A scanner is steady, but the OS or the browser can stall one key
   * for a moment; losing a 200-character badge to one hiccup would be worse than the tiny risk from a fast typist.
   * 250 ms: a busy kiosk PC (or a CI machine running Chromium beside the core) was seen stalling a key for >100 ms.
   * A person still cannot pass as a scanner: the *average* gap must stay under maxGapMs.
   */
  maxStallMs?: number;
  /** Shorter bursts ending in Enter are treated as typing (a person can hit two keys fast by accident). */
  minLength?: number;
}

/**
 * The longest text that can be a scan, in characters. The longest real one is a staff badge token, which the API
 * caps at 2048 (`authBadge` in src-shared/api/staff.ts), as main's serial scanner caps a read (hardware/scanner.ts).
 * Anything longer (a paste of a whole document, a stuck key on a wedge scanner) is not a scan: it is dropped here
 * rather than sent, so it can never become a request the core must refuse, nor a frame over the socket's limit.
 */
export const MAX_SCAN_CHARS = 2048;

/** Whether `text` could be a scan at all: at least `minLength` characters, at most MAX_SCAN_CHARS. */
export function isScanLength(text: string, minLength = 4): boolean {
  return text.length >= minLength && text.length <= MAX_SCAN_CHARS;
}

/**
 * Why the last Enter did not complete a scan, when a person should hear about it:
 * - `cut`: a burst that ran at scanner speed stalled past `maxStallMs` before its Enter. Its tail is not a scan of
 *   its own (a 300 ms stall once turned "DEMO-8HDU-1" into "-1"): the whole read is rejected, never delivered in part.
 * - `typed`: `minLength`+ characters and Enter at a person's pace. Staff badges and parcel barcodes must be scanned.
 */
export type ScanRejection = 'cut' | 'typed';

/** Keys further apart than this are not one entry (someone typed, walked off, and another person pressed Enter). */
export const TYPING_IDLE_MS = 5_000;

export class ScanDetector {
  private buffer = '';
  private firstAt = 0;
  private lastAt = -Infinity;
  /** The candidate burst follows a stall inside a scanner-speed run: whatever ends it is not a whole scan. */
  private broken = false;
  /**
   * The candidate burst started after a stall with keys still pending from before it (no Enter in between, and less
   * than TYPING_IDLE_MS ago). With one pending key the detector cannot tell a scanner that stalled after its first key
   * ("D", 300 ms, "EMO-POJL-1") from a stray key, so a scanner-speed burst after it is not a whole scan either.
   */
  private afterPending = false;
  /** Set by the Enter that ended the last candidate: why it was not a scan (null when it was one, or was nothing). */
  rejected: ScanRejection | null = null;
  /**
   * Printable keys since the last Enter, at any pace (a person's pauses restart the burst candidate but not this),
   * so typing a badge by hand is noticed however slowly it is typed. A pause longer than TYPING_IDLE_MS forgets them.
   */
  private typed = 0;
  private readonly maxGapMs: number;
  private readonly maxStallMs: number;
  private readonly minLength: number;

  constructor(opts: ScannerOptions = {}) {
    this.maxGapMs = opts.maxGapMs ?? 30;
    this.maxStallMs = opts.maxStallMs ?? 250;
    this.minLength = opts.minLength ?? 4;
  }

  /** Feed one keydown. Returns the scanned text when this key completes a burst, else null. */
  feed(key: string, at: number): string | null {
    const gap = at - this.lastAt;
    // Judged on the candidate as it stood before this key (lastAt moves below).
    const wasScannerSpeed = this.scannerSpeed();
    if (key === 'Enter') {
      const text = this.buffer;
      const averageGap = text.length > 1 ? (this.lastAt - this.firstAt) / (text.length - 1) : Infinity;
      const fast = gap <= this.maxStallMs && averageGap <= this.maxGapMs;
      // A burst at scanner speed whose head came before a stall is a tail, whatever its length.
      const broken = this.broken || (gap > this.maxStallMs && wasScannerSpeed) || (this.afterPending && fast);
      const typed = gap <= TYPING_IDLE_MS ? this.typed : 0;
      this.typed = 0;
      this.buffer = '';
      this.broken = false;
      this.afterPending = false;
      this.lastAt = at;
      const scan = !broken && fast && isScanLength(text, this.minLength);
      this.rejected = scan || typed === 0 ? null : broken ? 'cut' : typed >= this.minLength ? 'typed' : null;
      return scan ? text : null;
    }
    // Shift and other modifiers arrive inside bursts for upper-case characters; they neither add nor break.
    if (key === 'Shift') return null;
    this.lastAt = at;
    if (key.length !== 1) {
      this.buffer = '';
      this.afterPending = false;
      return null;
    }
    this.typed = gap <= TYPING_IDLE_MS ? this.typed + 1 : 1;
    // A long pause starts a new candidate burst rather than extending a human's typing into a "scan".
    if (gap <= this.maxStallMs && this.buffer) {
      // Past the cap the burst can no longer be a scan; stop growing it (a stuck key must not fill memory).
      if (this.buffer.length <= MAX_SCAN_CHARS) this.buffer += key;
    } else {
      // A stall inside a run at scanner speed is a scan interrupted, not a new one: what follows is its tail. So is a
      // stall after a lone first key (a scanner's first key, then the machine stalled): a fast burst after it is
      // refused whole (`afterPending`, judged at Enter), never delivered as "EMO-POJL-1".
      this.broken = wasScannerSpeed;
      this.afterPending = this.buffer.length > 0 && gap <= TYPING_IDLE_MS;
      this.buffer = key;
      this.firstAt = at;
    }
    return null;
  }

  /** Whether the candidate so far (two keys or more) came at a scanner's pace. */
  private scannerSpeed(): boolean {
    const n = this.buffer.length;
    return n > 1 && (this.lastAt - this.firstAt) / (n - 1) <= this.maxGapMs;
  }
}

export type ScanKind = { kind: 'pickup-code'; code: string } | { kind: 'badge'; token: string } | { kind: 'barcode'; value: string };

/**
 * The QR from the customer's message: `LK2:<token>` (ADR 0008 (code lockout): a 128-bit token, returned as is, `LK2:` included), or
 * the older `LK1:<six digits>` / bare six digits (returned as the six digits, the same as typing them).
 */
export function parsePickupQr(text: string): string | null {
  const t = text.trim();
  if (/^LK2:[A-Za-z0-9_-]{22}$/.test(t)) return t;
  const m = /^(?:LK1:)?([0-9]{6})$/.exec(t);
  return m?.[1] ?? null;
}

/** The token of an `LK2:` QR as parsePickupQr returned it, or null for a code. */
export function qrTokenOf(code: string): string | null {
  return code.startsWith('LK2:') ? code.slice(4) : null;
}

/**
 * What a scan is depends on where it happens; on home it can be a pickup QR or a staff badge.
 * Badges are long signed tokens, never six digits, so the two cannot be confused.
 */
export function classifyScan(text: string): ScanKind {
  const code = parsePickupQr(text);
  if (code) return { kind: 'pickup-code', code };
  if (text.length > 40 || /[.:]/.test(text)) return { kind: 'badge', token: text };
  return { kind: 'barcode', value: text };
}

/**
 * Wires the detector to the window; returns an unsubscribe. Keys that are part of a burst are kept from inputs.
 * `onReject` hears why an Enter did not make a scan (see ScanRejection), except for typing into an editable field,
 * where typing is the point.
 */
export function listenForScans(target: Window, onScan: (text: string) => void, opts?: ScannerOptions, onReject?: (why: ScanRejection) => void): () => void {
  const detector = new ScanDetector(opts);
  const handler = (e: KeyboardEvent): void => {
    const text = detector.feed(e.key, e.timeStamp);
    if (text !== null) {
      e.preventDefault();
      onScan(text);
    } else if (e.key === 'Enter' && detector.rejected && !isEditable(e.target)) onReject?.(detector.rejected);
  };
  // Pasting a token (the demo's way to "scan" a badge without a scanner) counts as one scan.
  const onPaste = (e: ClipboardEvent): void => {
    const text = e.clipboardData?.getData('text')?.trim() ?? '';
    if (text.length > MAX_SCAN_CHARS) {
      // Too long to be any badge or barcode: swallowed whole, so it neither scans nor lands in a field.
      e.preventDefault();
      return;
    }
    if (isScanLength(text, opts?.minLength ?? 4)) {
      e.preventDefault();
      onScan(text);
    }
  };
  target.addEventListener('keydown', handler, true);
  target.addEventListener('paste', onPaste, true);
  return () => {
    target.removeEventListener('keydown', handler, true);
    target.removeEventListener('paste', onPaste, true);
  };
}

function isEditable(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable === true);
}
