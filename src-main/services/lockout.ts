import { KioskError } from '../../src-shared/errors';
import { codeWindowMs, keypadMode, PIN_LEVEL_RESET_MS, PIN_PAUSE_CAP_MS, pinPauseMs, type KeypadMode, type LockoutPolicy } from '../domain/lockout';
import type { Kit } from './kit';

/** What the PIN screen shows before anything is typed (`authPinStatus`). `until`: wall ms, for people. */
export interface PinPause {
  paused: boolean;
  until: number | null;
  retryAfterMs: number;
}

/**
 * The technician PIN's guard (red-team finding 3, in the spirit of ADR 0008): `maxAttempts` wrong PINs within
 * `windowMinutes` pause PIN entry for `lockMinutes`, doubling while it re-engages within PIN_LEVEL_RESET_MS, never
 * beyond PIN_PAUSE_CAP_MS (15 min). All in memory on the monotonic clock (a wall-clock step changes nothing; a restart,
 * which needs the PC, starts clean), capped again on read. Wrong answers never say how many tries are left (that count
 * is everyone's). A pause is audited and the fleet is told (`pin.lockout`, counts only); a technician's badge still
 * signs in while the PIN is paused and clears it (audited, reported).
 */
export class PinGuard {
  /** Monotonic instants of wrong PINs since the last pause or clear. */
  private failures: number[] = [];
  private pausedUntil = -Infinity;
  private level = 0;
  private lastPauseEnd = -Infinity;

  constructor(private readonly kit: Kit) {}

  private get policy(): LockoutPolicy {
    return this.kit.ctx.config.lockout;
  }

  /** Whether PIN entry is paused now, until when (wall ms, for the screen) and for how long (ms, capped on read). */
  status(): PinPause {
    const left = Math.min(PIN_PAUSE_CAP_MS, this.pausedUntil - this.kit.mono());
    if (!(left > 0)) return { paused: false, until: null, retryAfterMs: 0 };
    return { paused: true, until: this.kit.now() + left, retryAfterMs: Math.ceil(left) };
  }

  /** Throws LOCKED_OUT (details: retryAfterMs, pausedUntil ISO) while PIN entry is paused. No store access. */
  check(): void {
    const s = this.status();
    if (s.paused) throw paused(s, this.kit.iso(s.until!));
  }

  /**
   * Records a wrong PIN and throws: LOCKED_OUT when this one paused PIN entry, PIN_INVALID otherwise (no count of
   * attempts left). The pause holds even if the store cannot record it (a full disk): the audit row and the
   * `pin.lockout` event are written best-effort and the failure logged.
   */
  reject(): never {
    const { kit } = this;
    const mono = kit.mono();
    const windowMs = this.policy.windowMinutes * 60_000;
    this.failures = this.failures.filter((t) => mono - t < windowMs);
    this.failures.push(mono);
    if (this.failures.length < this.policy.maxAttempts) throw new KioskError('PIN_INVALID', 'wrong PIN');
    const failures = this.failures.length;
    this.level = mono - this.lastPauseEnd < PIN_LEVEL_RESET_MS ? this.level + 1 : 1;
    const pauseMs = pinPauseMs(this.policy, this.level);
    this.pausedUntil = mono + pauseMs;
    this.lastPauseEnd = this.pausedUntil;
    this.failures = [];
    this.record('system', 'pin.lockout', { failures, pausedForMs: pauseMs, until: kit.iso(kit.now() + pauseMs) }, { failures, pausedForMs: pauseMs, reason: 'paused' });
    const s = this.status();
    throw paused(s, kit.iso(s.until!));
  }

  /** A technician's badge signed in: the pause and the failures so far end now. Audited and reported when there was any. */
  clear(actor: string, badgeId: string): boolean {
    const was = this.status().paused;
    const failures = this.failures.length;
    if (!was && failures === 0) return false;
    this.failures = [];
    this.pausedUntil = -Infinity;
    this.level = 0;
    this.record(actor, 'pin.lockout_cleared', { wasPaused: was, failures }, { failures, pausedForMs: 0, reason: 'cleared', badgeId });
    return true;
  }

  private record(actor: string, action: string, detail: Record<string, unknown>, event: Record<string, unknown>): void {
    const { kit } = this;
    try {
      kit.tx(() => {
        kit.audit(actor, action, detail);
        kit.queue('pin.lockout', { windowMinutes: this.policy.windowMinutes, ...event });
      });
    } catch (err) {
      kit.log.error('PIN lockout could not be recorded', { action, errorCode: (err as KioskError).code ?? null });
    }
  }
}

function paused(s: PinPause, untilIso: string): KioskError {
  return new KioskError('LOCKED_OUT', 'PIN entry is paused after too many wrong PINs; a technician badge still works', { retryAfterMs: s.retryAfterMs, pausedUntil: untilIso });
}

/** How often, at most, a `codes.failed` summary goes to the fleet while failures go on (mode changes go at once). */
export const SUMMARY_EVERY_MS = 60 * 60_000;
/**
 * Hardened entries that may wait for their paced slot at once (kiosk-wide). Beyond that an entry is answered at once
 * with KEYPAD_BUSY, not looked up and not given a slot: the queue, and so the wait of the next honest customer, stays
 * bounded (at most this many paces), and still at most one hardened answer completes per pace.
 */
export const MAX_WAITING = 3;

/**
 * The pickup keypad's guard (ADR 0008 (code lockout)): counts wrong entries kiosk-wide, decides the keypad's mode, paces hardened
 * answers, and tells the fleet (`codes.failed`, counts only, never a code). It never refuses a customer: hardened mode
 * asks for the check code instead.
 */
export class KeypadGuard {
  /** Monotonic instant before which no further hardened answer may complete (kiosk-wide). */
  private nextSlot = -Infinity;
  private lastSummary = -Infinity;
  /** Entries sleeping until their slot now (see MAX_WAITING). */
  private waiting = 0;

  constructor(private readonly kit: Kit) {}

  private get policy(): LockoutPolicy {
    return this.kit.ctx.config.lockout;
  }

  /** Keypad failures in the rolling window since the last technician clear (clamped on read). */
  private counts(now: number): { keypad: number; qr: number; clearedAt: number; stored: boolean } {
    const { attempts } = this.kit.repos;
    attempts.clampFuture(['code', 'qr'], 'code', now);
    const state = attempts.lock('code');
    const w = codeWindowMs(this.policy);
    return {
      keypad: attempts.countInWindow('code', w, now, state.clearedAt),
      qr: attempts.countInWindow('qr', w, now, state.clearedAt),
      clearedAt: state.clearedAt,
      stored: state.hardened,
    };
  }

  /** The keypad's mode now. A change since the last look (the window moved on) is recorded and reported once. */
  mode(): KeypadMode {
    const { kit } = this;
    const c = this.counts(kit.now());
    const mode = keypadMode(this.policy, c.keypad);
    if ((mode === 'hardened') !== c.stored) kit.tx(() => this.changed(mode, c, 'system'));
    return mode;
  }

  /**
   * Records a wrong entry in its own transaction. `code`: a keypad entry (counts toward hardening); `qr`: a wrong QR
   * token (reported only). Returns the mode after it.
   */
  failure(kind: 'code' | 'qr'): KeypadMode {
    const { kit } = this;
    return kit.tx(() => {
      const now = kit.now();
      kit.repos.attempts.clampFuture(['code', 'qr'], 'code', now);
      kit.repos.attempts.record(kind, now);
      const c = this.counts(now);
      const mode = keypadMode(this.policy, c.keypad);
      if ((mode === 'hardened') !== c.stored) this.changed(mode, c, 'system');
      else if (kit.mono() - this.lastSummary >= SUMMARY_EVERY_MS) this.report(mode, c, 'summary');
      return mode;
    });
  }

  /**
   * Waits (on a timer, never blocking the event loop) until this hardened attempt's slot: slots are `hardenedPaceMs`
   * apart on the monotonic clock, kiosk-wide, so however many screens or scripts ask at once, at most one hardened
   * answer completes per pace. At most MAX_WAITING wait at once; the next is refused KEYPAD_BUSY (details.retryAfterMs)
   * without a slot, so a flood cannot push the next slot ever further out.
   */
  async pace(): Promise<void> {
    const now = this.kit.mono();
    const slot = Math.max(now, this.nextSlot);
    const wait = slot - now;
    if (wait > 0 && this.waiting >= MAX_WAITING) {
      throw new KioskError('KEYPAD_BUSY', 'many entries are waiting; please try again in a moment', { retryAfterMs: Math.ceil(wait) });
    }
    this.nextSlot = slot + this.policy.hardenedPaceMs;
    if (wait <= 0) return;
    this.waiting++;
    try {
      await new Promise((resolve) => setTimeout(resolve, wait));
    } finally {
      this.waiting--;
    }
  }

  /** A technician cleared the keypad: plain again, earlier failures no longer count. Audited; the fleet is told. */
  clear(actor: string, badgeId?: string): { wasHardened: boolean; keypadFailures: number } {
    const { kit } = this;
    const result = kit.tx(() => {
      const now = kit.now();
      const before = this.counts(now);
      kit.repos.attempts.clear('code', now);
      kit.audit(actor, 'code.lockout_cleared', { keypadFailures: before.keypad, qrFailures: before.qr, wasHardened: before.stored });
      this.report('plain', { keypad: 0, qr: 0 }, 'cleared', badgeId);
      return { wasHardened: before.stored, keypadFailures: before.keypad };
    });
    this.nextSlot = -Infinity;
    return result;
  }

  private changed(mode: KeypadMode, c: { keypad: number; qr: number }, actor: string): void {
    this.kit.repos.attempts.setHardened('code', mode === 'hardened');
    this.kit.audit(actor, mode === 'hardened' ? 'code.hardened' : 'code.relaxed', { keypadFailures: c.keypad, qrFailures: c.qr });
    this.report(mode, c, mode === 'hardened' ? 'hardened' : 'relaxed');
  }

  private report(mode: KeypadMode, c: { keypad: number; qr: number }, reason: 'hardened' | 'relaxed' | 'cleared' | 'summary', badgeId?: string): void {
    this.kit.queue('codes.failed', {
      windowHours: this.policy.codeWindowHours,
      keypadFailures: c.keypad,
      qrFailures: c.qr,
      mode,
      reason,
      ...(badgeId ? { badgeId } : {}),
    });
    this.lastSummary = this.kit.mono();
  }
}
