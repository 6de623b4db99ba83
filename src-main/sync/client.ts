import type { EventPayload } from '../../src-shared/events';
import type { KioskContext, SyncHandle } from '../context';
import { createLogger } from '../log';
import type { Repos } from '../store/index';
import { backoffDelay } from './backoff';
import { Exchange } from './exchange';
import { SyncError, SyncHttp } from './http';

export interface SyncOptions {
  /** Between full cycles while the server answers. */
  intervalMs: number;
  /** Backoff after failures: full jitter in [0, min(cap, base · 2^(n-1))]. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Outbox events per POST (the server takes up to 500). */
  batchSize: number;
  manifestPageSize: number;
  /** A burst of queued events (a driver's visit) becomes one push. */
  nudgeDebounceMs: number;
  requestTimeoutMs: number;
  poisonRetryMs: number;
  /** Run the first cycle this long after start (lets services.start() finish first). */
  firstCycleDelayMs: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  intervalMs: 15_000,
  backoffBaseMs: 1_000,
  backoffCapMs: 60_000,
  batchSize: 100,
  manifestPageSize: 200,
  nudgeDebounceMs: 150,
  requestTimeoutMs: 10_000,
  poisonRetryMs: 3_600_000,
  firstCycleDelayMs: 0,
};

type Status = ReturnType<SyncHandle['status']>;
type Connectivity = EventPayload<'connectivity'>;

export interface SyncClientHooks {
  /** After each successful full cycle (the embedded demo prints its parcel list after the first). */
  onSynced?(result: { expected: number }): void;
}

/**
 * The kiosk's sync loop. One cycle at a time: push the outbox (so the server hears about deposits before we apply
 * its cancellations), pull the manifest, heartbeat. Healthy: a full cycle every `intervalMs`, plus a debounced push
 * whenever an event is queued. Failing: exponential backoff with full jitter, capped; `nudge` does not hammer a
 * server that is down (the next backoff attempt carries the events). The kiosk never waits on any of it.
 */
export class SyncClient implements SyncHandle {
  private readonly log = createLogger('sync');
  private readonly exchange: Exchange | null;
  private readonly http: SyncHttp | null;
  private state: Status['status'] = 'unknown';
  private lastSyncAt: number | null = null;
  private lastError: string | null;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nudgeTimer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private lastEmitted = '';

  constructor(
    private readonly ctx: KioskContext,
    private readonly repos: Repos,
    private readonly o: SyncOptions,
    /** null: no server configured; the reason goes to lastError and nothing ever runs. */
    baseUrl: string | null,
    private readonly hooks: SyncClientHooks = {},
    noServerReason = 'no fleet server configured',
  ) {
    this.http = baseUrl ? new SyncHttp({ baseUrl, now: () => ctx.clock.now(), timeoutMs: o.requestTimeoutMs }) : null;
    this.exchange = this.http ? new Exchange(ctx, repos, this.http, this.log, o) : null;
    this.lastError = baseUrl ? null : noServerReason;
    if (!baseUrl) this.state = 'offline';
  }

  start(): void {
    if (this.exchange) this.schedule(this.o.firstCycleDelayMs);
  }

  status(): Status {
    return {
      status: this.state,
      lastSyncAt: this.lastSyncAt === null ? null : new Date(this.lastSyncAt).toISOString(),
      outboxDepth: this.depth(),
      lastError: this.lastError,
    };
  }

  nudge(): void {
    if (this.closed || !this.exchange) return;
    if (this.state === 'offline') {
      // No request (the backoff decides when to try again), but the banner's outbox count moves now.
      this.setState('offline');
      return;
    }
    if (this.nudgeTimer) return;
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = null;
      void this.exclusive(() => this.cycle('push'));
    }, this.o.nudgeDebounceMs);
  }

  async syncNow(): Promise<void> {
    if (this.closed || !this.exchange) return;
    await this.exclusive(() => this.cycle('full'));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
    this.timer = this.nudgeTimer = null;
    this.http?.abort();
    await this.chain;
  }

  /** Runs after whatever is running now; never rejects. */
  private exclusive(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn, fn).catch((err) => this.log.error('sync cycle crashed', { error: String(err) }));
    this.chain = next;
    return next;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.exclusive(() => this.cycle('full'));
    }, ms);
  }

  private async cycle(kind: 'full' | 'push'): Promise<void> {
    if (this.closed || !this.exchange) return;
    const ex = this.exchange;
    try {
      let creds = ex.credentials();
      if (!creds) {
        if (kind === 'push') return;
        const token = this.ctx.config.server.enrollmentToken;
        if (!token) throw new SyncError('config', 'not enrolled: set server.enrollmentToken (--enrollment-token) to enroll this kiosk');
        creds = await ex.enroll(token);
      }
      await ex.push(creds);
      if (kind === 'full') {
        const pulled = await ex.pull(creds);
        // A cancellation refused by the physical-fact rule queues a notice: send it in this cycle.
        if (pulled.queued > 0) await ex.push(creds);
        await ex.heartbeat(creds);
        this.succeeded();
        this.hooks.onSynced?.({ expected: pulled.expected });
      } else {
        this.succeeded();
      }
    } catch (err) {
      if (!this.closed) this.failed(err); // a request cut short by close() says nothing about the server
      return;
    }
    if (kind === 'full') this.schedule(this.o.intervalMs);
  }

  private succeeded(): void {
    this.failures = 0;
    this.lastSyncAt = this.ctx.clock.now();
    this.lastError = null;
    this.setState('online');
  }

  private failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.failures === 0 || message !== this.lastError) this.log.warn('sync failed', { error: message });
    this.failures++;
    this.lastError = message;
    // Whatever failed (network, refusal, bad data), the server is not usable right now.
    this.setState('offline');
    this.schedule(backoffDelay(this.failures, { baseMs: this.o.backoffBaseMs, capMs: this.o.backoffCapMs }, this.ctx.random));
  }

  private setState(s: Status['status']): void {
    this.state = s;
    const { status, lastSyncAt, outboxDepth } = this.status();
    const payload: Connectivity = { status, lastSyncAt, outboxDepth };
    const key = JSON.stringify(payload);
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    try {
      this.ctx.emit('connectivity', payload);
    } catch (err) {
      this.log.warn('connectivity emit failed', { error: String(err) });
    }
  }

  private depth(): number {
    try {
      return this.repos.outbox.depth();
    } catch {
      return 0; // the database is closing
    }
  }
}
