import type { ByteLink, Transport } from '../transport';

export interface BackoffOptions {
  /** First retry after this long. */
  initialMs: number;
  /** Each failed attempt multiplies the wait by this. */
  factor: number;
  /** Never wait longer than this: a technician re-plugging the adapter wants the kiosk back within seconds. */
  maxMs: number;
}

export type PortState = 'opening' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionEvents {
  data(bytes: Buffer): void;
  up(): void;
  down(error: string): void;
}

/**
 * Owns the serial line: opens it, notices it going away (a `close`, or a write failing with EIO: a dead pty only
 * tells the side that writes), and reopens it with capped exponential backoff until it is back or we are closed.
 */
export class Connection {
  private link: ByteLink | null = null;
  private stateValue: PortState = 'opening';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delay: number;
  /** true once a port-down has been reported and not yet answered by a port-up: one event per outage. */
  private downReported = false;
  lastError: string | null = null;
  /** Attempts to reopen since start (health). */
  reconnectAttempts = 0;

  constructor(
    private readonly transport: Transport,
    private readonly backoff: BackoffOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.delay = backoff.initialMs;
  }

  get state(): PortState {
    return this.stateValue;
  }

  get path(): string {
    return this.transport.path;
  }

  get isOpen(): boolean {
    return this.stateValue === 'open' && this.link !== null;
  }

  start(): void {
    void this.attempt();
  }

  /** Writes through the current link; on failure declares the line lost (and rethrows so the caller fails too). */
  async write(bytes: Buffer): Promise<void> {
    const link = this.link;
    if (!link || this.stateValue !== 'open') throw new Error('port is not open');
    try {
      await link.write(bytes);
    } catch (err) {
      this.lost(link, err as Error);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.stateValue = 'closed';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const link = this.link;
    this.link = null;
    if (link) await link.close().catch(() => undefined);
  }

  private async attempt(): Promise<void> {
    this.timer = null;
    if (this.stateValue === 'closed') return;
    let link: ByteLink | null = null;
    try {
      link = await this.transport.open({
        data: (bytes) => {
          if (this.link === link) this.events.data(bytes);
        },
        closed: (err) => {
          if (link) this.lost(link, err ?? new Error('port closed'));
        },
      });
    } catch (err) {
      this.fail((err as Error).message);
      return;
    }
    // close() may have run while we were opening (TS cannot see that across the await, hence the cast).
    if ((this.stateValue as PortState) === 'closed') {
      await link.close().catch(() => undefined);
      return;
    }
    this.link = link;
    this.stateValue = 'open';
    this.delay = this.backoff.initialMs;
    this.downReported = false;
    this.events.up();
  }

  private lost(link: ByteLink, err: Error): void {
    if (this.link !== link || this.stateValue === 'closed') return;
    this.link = null;
    void link.close().catch(() => undefined);
    this.fail(err.message || String(err));
  }

  private fail(message: string): void {
    if (this.stateValue === 'closed') return;
    this.lastError = message;
    this.stateValue = 'reconnecting';
    if (!this.downReported) {
      this.downReported = true;
      this.events.down(message);
    }
    const wait = this.delay;
    this.delay = Math.min(this.backoff.maxMs, Math.round(this.delay * this.backoff.factor));
    this.reconnectAttempts++;
    this.timer = setTimeout(() => void this.attempt(), wait);
  }
}
