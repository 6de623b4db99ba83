/**
 * The bus is half duplex and a CU16 answers whoever spoke last, so exactly one command may be in flight. Every
 * exchange goes through this queue. Three lanes, each served before the next: `unlock` (someone is standing at the
 * kiosk), `urgent` (an explicit read: recovery, self-test, a door's verdict) and `background` (the polls). A job
 * never overtakes the exchange already on the wire. A job is one exchange: a read's retries, and a CU12 unlock's
 * resend, are separate jobs (`attempts`), so an unlock waits for at most one exchange (ADR 0026; red team 14 found
 * unlocks queued behind urgent reads in one shared lane).
 */
export type Lane = 'unlock' | 'urgent' | 'background';
const ORDER: readonly Lane[] = ['unlock', 'urgent', 'background'];

interface Job {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class CommandQueue {
  private readonly lanes: Record<Lane, Job[]> = { unlock: [], urgent: [], background: [] };
  private busy = false;

  enqueue<T>(run: () => Promise<T>, lane: Lane = 'urgent'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.lanes[lane].push({ run, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /**
   * Up to `attempts()` tries of one exchange, each its own job in `lane` (the count is read when the first try
   * starts, so it reflects what the earlier jobs learnt). A try that resolves null (no usable answer) is queued
   * again at the back of its lane: whatever waits there, and every job of a lane before it, goes on the wire before
   * the next try. `last` tells the try that no other follows (its job may then give up inside the queue). Resolves with the
   * first non-null result, or null when every try came back empty; a throw ends it at once.
   * Issue 14: a poll of a silent board held the line for 1 + retries timeouts (3 × 200 ms) with an unlock behind it.
   */
  async attempts<T>(lane: Lane, attempts: () => number, once: (attempt: number, last: boolean) => Promise<T | null>): Promise<T | null> {
    let total = 1;
    for (let attempt = 0; attempt < total; attempt++) {
      const result = await this.enqueue(() => {
        if (attempt === 0) total = Math.max(1, attempts());
        return once(attempt, attempt === total - 1);
      }, lane);
      if (result !== null) return result;
    }
    return null;
  }

  /** Jobs waiting (not counting the one in flight). */
  get depth(): number {
    return ORDER.reduce((n, lane) => n + this.lanes[lane].length, 0);
  }

  get idle(): boolean {
    return !this.busy && this.depth === 0;
  }

  /** Fails every waiting job (port gone, driver closing); the one in flight finishes or fails on its own. */
  clear(err: Error): void {
    for (const lane of ORDER) {
      const jobs = this.lanes[lane].splice(0);
      for (const j of jobs) j.reject(err);
    }
  }

  private pump(): void {
    if (this.busy) return;
    const job = this.lanes.unlock.shift() ?? this.lanes.urgent.shift() ?? this.lanes.background.shift();
    if (!job) return;
    this.busy = true;
    job
      .run()
      .then(job.resolve, job.reject)
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }
}
