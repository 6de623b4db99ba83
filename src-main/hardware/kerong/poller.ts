/**
 * Reads every board on its own cadence, one at a time through the command queue (background lane, so an unlock
 * never waits behind a poll that has not started). The cadence per board comes from the driver: fast while someone
 * waits for a door, slow at rest, slower still for a board that stopped answering, none while the port is down.
 */
export interface PollerDeps {
  boards(): number[];
  /** ms until this board should be read again; null while it must not be polled at all (port down). */
  intervalFor(board: number): number | null;
  read(board: number): Promise<unknown>;
  /** Read even while the bus is held quiet (a door just unlocked and not yet read open, a board not yet seen). */
  urgent?(board: number): boolean;
}

/**
 * The longest the bus is held quiet in one go, and the gap after it before it can be held again, ms (ADR 0026 rule 5).
 * Someone tapping the keypad without end can delay routine door reads by at most QUIET_MAX_MS at a time; every gap
 * lets the overdue boards be read.
 */
export const QUIET_MAX_MS = 5_000;
export const QUIET_GAP_MS = 500;

/** Upper bound on a sleep, so a missed poke can never stall polling for long. */
const MAX_IDLE_MS = 1000;

/**
 * The cadence is a duration, so it runs on the monotonic clock: on the wall clock a step back of a day left every
 * board "not due" for a day, and no door was read (issue 9 §4).
 */
const monoNow = (): number => performance.now();

export class Poller {
  private readonly nextAt = new Map<number, number>();
  private wake: (() => void) | null = null;
  private running = false;
  private poked = false;
  private loopDone: Promise<void> = Promise.resolve();
  private quietFrom = 0;
  private quietUntil = 0;
  cycles = 0;

  constructor(private readonly deps: PollerDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }

  /** Make one board (or all) due now: after an unlock, a port coming back, or a change of cadence. */
  poke(board?: number): void {
    if (board === undefined) this.nextAt.clear();
    else this.nextAt.set(board, 0);
    // A poke that lands while the loop is mid-cycle must not be lost to the sleep computed at the end of it.
    this.poked = true;
    this.wake?.();
  }

  /**
   * Start no routine read for `ms` (capped so one hold lasts at most QUIET_MAX_MS from its start): a code is being
   * typed, so the unlock it leads to should find no state exchange on the wire (ADR 0026 rule 5). Boards the driver
   * calls urgent are still read. A read already on the wire finishes. Refused (false) within QUIET_GAP_MS after a
   * hold ended, so the boards held back are read first.
   */
  quiet(ms: number): boolean {
    const now = monoNow();
    if (now >= this.quietUntil) {
      if (this.quietUntil > 0 && now < this.quietUntil + QUIET_GAP_MS) return false;
      this.quietFrom = now;
    }
    this.quietUntil = Math.min(now + Math.max(0, ms), this.quietFrom + QUIET_MAX_MS);
    return true;
  }

  /** Ends a hold at once (the unlock it was for is queued); overdue boards are read next, behind that unlock. */
  release(): void {
    if (monoNow() >= this.quietUntil) return;
    this.quietUntil = monoNow();
    this.wake?.();
  }

  /** True while routine reads are held (ADR 0026 rule 5). */
  isQuiet(): boolean {
    return monoNow() < this.quietUntil;
  }

  /** When this board may next be read: its cadence, or the end of a hold for a board that is not urgent. */
  private dueAt(board: number): number {
    const due = this.nextAt.get(board) ?? 0;
    if (monoNow() < this.quietUntil && !this.deps.urgent?.(board)) return Math.max(due, this.quietUntil);
    return due;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.poked = false;
      for (const board of this.deps.boards()) {
        if (!this.running) return;
        const interval = this.deps.intervalFor(board);
        if (interval === null || this.dueAt(board) > monoNow()) continue;
        // Infinity marks "being read": a poke during the read replaces it, and then wins over the normal cadence.
        this.nextAt.set(board, Infinity);
        // Failures are the driver's business (counted, reported as offline); the loop just carries on.
        await this.deps.read(board).catch(() => undefined);
        if (this.nextAt.get(board) === Infinity) this.nextAt.set(board, monoNow() + (this.deps.intervalFor(board) ?? interval));
      }
      this.cycles++;
      if (this.poked || !this.running) continue;
      let soonest = monoNow() + MAX_IDLE_MS;
      for (const board of this.deps.boards()) {
        if (this.deps.intervalFor(board) !== null) soonest = Math.min(soonest, this.dueAt(board));
      }
      const wait = soonest - monoNow();
      if (wait > 0) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
