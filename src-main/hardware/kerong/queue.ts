/**
 * The bus is half duplex and a CU16 answers whoever spoke last, so exactly one command may be in flight. Every
 * exchange goes through this queue. Two lanes: an unlock (someone is standing at the kiosk) or an explicit read
 * overtakes the background polls waiting behind it, but never the exchange already on the wire.
 */
export type Lane = 'urgent' | 'background';

interface Job {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class CommandQueue {
  private readonly lanes: Record<Lane, Job[]> = { urgent: [], background: [] };
  private busy = false;

  enqueue<T>(run: () => Promise<T>, lane: Lane = 'urgent'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.lanes[lane].push({ run, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Jobs waiting (not counting the one in flight). */
  get depth(): number {
    return this.lanes.urgent.length + this.lanes.background.length;
  }

  get idle(): boolean {
    return !this.busy && this.depth === 0;
  }

  /** Fails every waiting job (port gone, driver closing); the one in flight finishes or fails on its own. */
  clear(err: Error): void {
    for (const lane of ['urgent', 'background'] as const) {
      const jobs = this.lanes[lane].splice(0);
      for (const j of jobs) j.reject(err);
    }
  }

  private pump(): void {
    if (this.busy) return;
    const job = this.lanes.urgent.shift() ?? this.lanes.background.shift();
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
