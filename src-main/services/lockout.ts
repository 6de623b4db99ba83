import { KioskError } from '../../src-shared/errors';
import {
  afterFailure,
  attemptsLeft,
  codeWindowMs,
  countFrom,
  keypadMode,
  retryAfterMs,
  type KeypadMode,
  type LockoutPolicy,
} from '../domain/lockout';
import type { Kit } from './kit';

/** The technician PIN's lockout (scope `pin`; staff, not a public keypad, so a plain lock), policy from config.lockout. */
export class Lockout {
  constructor(
    private readonly kit: Kit,
    private readonly scope: 'pin',
  ) {}

  private get policy(): LockoutPolicy {
    return this.kit.ctx.config.lockout;
  }

  /**
   * Throws LOCKED_OUT while locked. Costs one indexed read. A clock stepped back never lengthens the lock beyond its
   * own duration: the first look after the step moves the stored instants back with it (see AttemptsRepo).
   */
  check(): void {
    const now = this.kit.now();
    const { attempts } = this.kit.repos;
    const state = attempts.lock(this.scope);
    if (state.lockedUntil - now > retryAfterMs(state, now, this.policy)) this.kit.tx(() => attempts.clampFuture([this.scope], this.scope, now));
    const wait = retryAfterMs(attempts.lock(this.scope), now, this.policy);
    if (wait > 0) throw new KioskError('LOCKED_OUT', 'too many wrong entries; try again later', { retryAfterMs: wait });
  }

  /** Records a wrong entry (in its own transaction) and throws: LOCKED_OUT when this one engaged the lock, else `code`. */
  reject(code: 'PIN_INVALID', message: string): never {
    const { kit } = this;
    const result = kit.tx(() => {
      const now = kit.now();
      const { attempts } = kit.repos;
      const state = attempts.lock(this.scope);
      attempts.record(this.scope, now);
      const failures = attempts.countSince(this.scope, Math.max(countFrom(this.policy, state, now), state.clearedAt) - 1);
      const locked = afterFailure(this.policy, state, failures, now);
      if (locked) {
        attempts.setLock(this.scope, locked);
        kit.audit('system', `${this.scope}.lockout`, { level: locked.level, lockedUntil: kit.iso(locked.lockedUntil), failures });
        return { locked: retryAfterMs(locked, now), left: 0 };
      }
      return { locked: 0, left: attemptsLeft(this.policy, failures) };
    });
    if (result.locked > 0) throw new KioskError('LOCKED_OUT', 'too many wrong entries; try again later', { retryAfterMs: result.locked });
    throw new KioskError(code, message, { attemptsLeft: result.left });
  }
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
