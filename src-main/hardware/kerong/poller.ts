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
}

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

  private async loop(): Promise<void> {
    while (this.running) {
      this.poked = false;
      for (const board of this.deps.boards()) {
        if (!this.running) return;
        const interval = this.deps.intervalFor(board);
        if (interval === null || (this.nextAt.get(board) ?? 0) > monoNow()) continue;
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
        if (this.deps.intervalFor(board) !== null) soonest = Math.min(soonest, this.nextAt.get(board) ?? 0);
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
