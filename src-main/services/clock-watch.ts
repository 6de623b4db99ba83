import type { Kit } from './kit';

/** How often the wall clock is compared with the monotonic one (real time). */
export const CLOCK_WATCH_INTERVAL_MS = 2000;
/**
 * Disagreement between the two clocks over one interval that counts as a jump (a step by NTP or a technician).
 * Below it is drift or slewing, which moves nothing that matters; it is well inside the fleet server's ±5 min
 * signing window, so any jump that breaks signing is reported.
 */
export const CLOCK_JUMP_THRESHOLD_MS = 2 * 60_000;

/** A detected wall-clock jump: where the wall clock would have been (`fromMs`), where it is (`toMs`), wall ms. */
export interface ClockJump {
  fromMs: number;
  toMs: number;
  /** toMs − fromMs: negative when the clock went back. */
  deltaMs: number;
}

/**
 * Notices wall-clock jumps and handles them (issue 9 §4, ADR time). Every duration already runs on `kit.mono()`;
 * what a jump still touches are the durable deadlines kept as wall time (rows that survive a restart):
 * - the reopen windows (`grace_until`) and the outbox's deferrals move with the jump, so each lasts the rest of its
 *   length in real time, whichever way the clock went; they are also capped at their full length from now, here and
 *   at start-up (a jump while the kiosk was off cannot be seen);
 * - the jump is audited (`clock.jumped`, {fromIso, toIso, deltaMs}) and queued to the fleet;
 * - sync is asked for a cycle now: a corrected clock can sign requests again;
 * - parcel expiry (red-team finding 3): a parcel deposited by this process was stamped by the clock just corrected,
 *   so its deposit time and expiry move with the jump (the promise is "N days from the deposit", in real time) and
 *   the fleet is told the corrected expiry (`parcel.expiry_corrected`); parcels already inside at start-up keep
 *   their stamps (an earlier clock we cannot judge). After a jump back, a parcel the sweep expired at a wall time
 *   that has not come yet (a bogus forward jump) and whose expiry is still ahead is deposited again;
 * - keypad failures move with the jump (AttemptsRepo.shiftByJump), so hardening keeps its real length.
 * Every wall-time decision calls `check()` first through `kit.verifyClock` (the sweep does), so none acts on a jump
 * the 2 s tick has not seen yet.
 */
export class ClockWatch {
  private lastWall: number;
  private lastMono: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Parcels already in a compartment at start: stamped by an earlier clock, not moved by a jump (see above). */
  private readonly stampedBefore = new Set<string>();

  constructor(private readonly kit: Kit) {
    this.lastWall = kit.now();
    this.lastMono = kit.mono();
    kit.verifyClock = () => {
      this.check();
    };
  }

  /** Start-up: caps what a jump while the kiosk was off may have left too far ahead, then checks every interval. */
  start(): void {
    for (const id of this.kit.repos.parcels.inCompartmentIds()) this.stampedBefore.add(id);
    this.capDeadlines();
    this.rebase();
    this.timer = setInterval(() => {
      try {
        this.check();
      } catch (err) {
        this.kit.log.error('clock check failed', { error: (err as Error).message });
      }
    }, CLOCK_WATCH_INTERVAL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Compares the clocks since the last check; handles and returns the jump when there was one, else null. */
  check(): ClockJump | null {
    const { kit } = this;
    const expected = Math.round(this.lastWall + (kit.mono() - this.lastMono)); // mono has sub-ms digits
    this.rebase();
    const jump: ClockJump = { fromMs: expected, toMs: this.lastWall, deltaMs: this.lastWall - expected };
    if (Math.abs(jump.deltaMs) <= CLOCK_JUMP_THRESHOLD_MS) return null;
    this.handle(jump);
    return jump;
  }

  private handle(jump: ClockJump): void {
    const { kit } = this;
    const detail = { fromIso: kit.iso(jump.fromMs), toIso: kit.iso(jump.toMs), deltaMs: jump.deltaMs };
    kit.log.warn('wall clock jumped', detail);
    kit.tx(() => {
      // Deadlines still ahead of the clock before the jump keep their real remaining time.
      kit.repos.compartments.shiftReopenWindows(jump.fromMs, jump.deltaMs);
      kit.repos.outbox.shiftDeferrals(jump.fromMs, jump.deltaMs);
      kit.repos.attempts.shiftByJump(jump.deltaMs);
      this.correctExpiries(jump);
      this.capDeadlines();
      kit.audit('system', 'clock.jumped', detail);
      kit.queue('clock.jumped', detail);
    });
    // The clock may just have been corrected into the fleet server's signing window: sync now, not after a backoff.
    kit.ctx.sync?.syncNow().catch((err: unknown) => kit.log.warn('sync after a clock jump failed', { error: String(err) }));
  }

  /** See the class comment (parcel expiry). Inside the jump's transaction. */
  private correctExpiries(jump: ClockJump): void {
    const { kit } = this;
    const now = kit.now();
    const moved = kit.repos.parcels.shiftDeposits(jump.deltaMs, this.stampedBefore, now);
    const back = jump.deltaMs < 0 ? kit.repos.parcels.unexpireFuture(now) : [];
    for (const p of [...moved, ...back]) {
      if (p.expiresAt === null || p.compartmentId === null) continue;
      const expiresAt = kit.iso(p.expiresAt);
      kit.queue('parcel.expiry_corrected', { parcelId: p.id, barcode: p.barcode, compartmentId: p.compartmentId, expiresAt });
      kit.audit('system', 'parcel.expiry_corrected', { parcelId: p.id, compartmentId: p.compartmentId, expiresAt, deltaMs: jump.deltaMs, unexpired: back.includes(p) });
    }
  }

  /** No reopen window ends later than its full length from now (the outbox caps its deferrals on read). */
  private capDeadlines(): void {
    const { kit } = this;
    const cut = kit.repos.compartments.clampReopenWindows(kit.now(), kit.ctx.config.graceSeconds * 1000);
    if (cut > 0) kit.log.warn('reopen windows beyond their length cut back (the clock went back)', { count: cut });
  }

  private rebase(): void {
    this.lastWall = this.kit.now();
    this.lastMono = this.kit.mono();
  }
}
