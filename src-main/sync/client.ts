import type { EventPayload } from '../../src-shared/events';
import { LostCodeResponse, type LostCodeConfirm, type LostCodeRequest } from '../../src-shared/sync-protocol';
import type { KioskContext, SyncHandle } from '../context';
import { createLogger } from '../log';
import type { Repos } from '../store/index';
import { backoffDelay } from './backoff';
import { fetchAndRunCommands } from './commands';
import { Exchange } from './exchange';
import { SyncError, SyncHttp } from './http';
import { DEFAULT_PUSH_OPTIONS, KioskPush, loadPushCredentials, type PingKind, type PushOptions } from './push';

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
  /** Push mode (connected to the fleet's MQTT broker): a heartbeat cycle this often; the manifest only on pings... */
  pushHeartbeatMs: number;
  /** ...or when the last pull is this old (a safety net for a lost ping; ADR mqtt-push). */
  pushSafetyPullMs: number;
  /** A broadcast ping (every kiosk at once) is answered after a random delay in [0, this). */
  broadcastSpreadMs: number;
  push: PushOptions;
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
  pushHeartbeatMs: 60_000,
  pushSafetyPullMs: 300_000,
  broadcastSpreadMs: 10_000,
  push: DEFAULT_PUSH_OPTIONS,
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
 *
 * Push mode (enrolled with broker credentials and connected, push.ts; ADR mqtt-push): a ping pulls the manifest at
 * once; otherwise a cycle every `pushHeartbeatMs` heartbeats and pulls only when the last pull is `pushSafetyPullMs`
 * old or the heartbeat says the manifest has news (a lost ping heals within one heartbeat). The broker going away puts
 * the loop back on `intervalMs` polling; it coming back pulls once (pings sent meanwhile were missed) and pushes again.
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
  private push: KioskPush | null = null;
  /** A ping (or the broker coming back) asked for a pull that has not run yet. */
  private pullWanted = false;
  private lastPullAt = -Infinity;
  private pulls = 0;
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private scheduledMs: number | null = null;

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
    if (!this.exchange) return;
    this.startPush();
    this.schedule(this.o.firstCycleDelayMs);
  }

  /** Whether pings arrive right now (tests and the technician screen's "how does this kiosk sync"). */
  pushConnected(): boolean {
    return this.push?.up === true;
  }

  /** For tests and diagnostics: manifest pulls completed, and the delay (ms) of the next full cycle as last scheduled. */
  stats(): { pulls: number; pushConnected: boolean; scheduledMs: number | null } {
    return { pulls: this.pulls, pushConnected: this.pushConnected(), scheduledMs: this.scheduledMs };
  }

  /**
   * Pulls the manifest now (after whatever cycle is running) and waits at most `maxWaitMs` (ms) for it. True when a pull
   * completed in time; false when offline, not enrolled, or too slow (the pull still finishes in the background).
   * Never throws. For a driver's scan of a barcode this kiosk does not know: a shipment created seconds ago may not
   * have reached it yet (issue 11).
   */
  async refreshManifest(maxWaitMs: number): Promise<boolean> {
    if (this.closed || !this.exchange || this.state === 'offline' || !this.exchange.credentials()) return false;
    const before = this.pulls;
    this.pullWanted = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = this.exclusive(() => this.cycle('pull')).then(() => this.pulls > before);
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), maxWaitMs)));
    try {
      return await Promise.race([done, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * "I lost my code" (ADR customer-self-service), step one: a signed POST, not queued (a person is waiting for the
   * answer, and a phone number must not sit in the outbox). The server looks and counts, and re-issues only on
   * `confirmLostCode(ticket)`; `ticket` null: a server from before the two steps, which re-issued at once. Throws
   * SyncError: `config` without a server or enrollment, `network` at once while known offline (the screen says "try
   * later" instead of waiting for a timeout), `http` 429 when limited; `maybeDelivered` on a timeout.
   */
  async requestLostCode(phone: string): Promise<{ ticket: string | null }> {
    const r = await this.lostCodeCall('lost-code', { phone, confirm: 'separately' } satisfies LostCodeRequest);
    return { ticket: r.ticket ?? null };
  }

  /** Step two of "I lost my code": the server re-issues now. Throws SyncError as `requestLostCode` does. */
  async confirmLostCode(ticket: string): Promise<void> {
    await this.lostCodeCall('lost-code/confirm', { ticket } satisfies LostCodeConfirm);
  }

  private async lostCodeCall(path: string, body: LostCodeRequest | LostCodeConfirm): Promise<LostCodeResponse> {
    const creds = this.exchange?.credentials();
    if (this.closed || !this.http || !creds) throw new SyncError('config', 'no fleet server to ask');
    if (this.state === 'offline') throw new SyncError('network', 'the fleet server is not reachable');
    try {
      return await this.http.signed(creds, 'POST', `/v1/kiosks/${encodeURIComponent(creds.kioskId)}/${path}`, body, LostCodeResponse);
    } catch (err) {
      // The screen is about to say the service did not answer: check the link now, so the footer says what is true
      // (offline if the pull fails too) instead of the last cycle's "Online".
      if (err instanceof SyncError && err.kind === 'network') void this.exclusive(() => this.cycle('pull'));
      throw err;
    }
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
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.timer = this.nudgeTimer = this.pingTimer = null;
    this.http?.abort();
    await Promise.all([this.chain, this.push?.close()]);
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
    this.scheduledMs = ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.exclusive(() => this.cycle('full'));
    }, ms);
  }

  /**
   * `full`: outbox, manifest (in push mode only when due), heartbeat; then the next one is scheduled. `push`: the outbox
   * only (a nudge). `pull`: the outbox, then the manifest (a ping, a scan lookup).
   */
  private async cycle(kind: 'full' | 'push' | 'pull'): Promise<void> {
    if (this.closed || !this.exchange) return;
    const ex = this.exchange;
    try {
      let creds = ex.credentials();
      if (!creds) {
        if (kind !== 'full') return;
        const token = this.ctx.config.server.enrollmentToken;
        if (!token) throw new SyncError('config', 'not enrolled: set server.enrollmentToken (--enrollment-token) to enroll this kiosk');
        creds = await ex.enroll(token);
        this.startPush(); // enrollment may have brought a broker account
      }
      await ex.push(creds);
      if (kind === 'full') {
        const pushMode = this.pushConnected();
        let expected = 0;
        if (!pushMode || this.pullWanted || this.ctx.clock.mono() - this.lastPullAt >= this.o.pushSafetyPullMs) expected += await this.pull(creds);
        const hb = await ex.heartbeat(creds);
        // Push mode's safety net: the server's head is past our cursor (a ping lost on the way): pull now.
        if (pushMode && hb.manifestPending) expected += await this.pull(creds);
        else if (hb.commandsPending) await this.commands(creds);
        this.succeeded();
        this.hooks.onSynced?.({ expected });
      } else {
        if (kind === 'pull' && (this.pullWanted || !this.pushConnected())) await this.pull(creds);
        this.succeeded();
      }
    } catch (err) {
      if (!this.closed) this.failed(err); // a request cut short by close() says nothing about the server
      return;
    }
    if (kind === 'full') this.schedule(this.pushConnected() ? this.o.pushHeartbeatMs : this.o.intervalMs);
  }

  /** One manifest pull (all pages) and the outbox push a refused cancellation may need. Returns new expected parcels. */
  private async pull(creds: NonNullable<ReturnType<Exchange['credentials']>>): Promise<number> {
    const ex = this.exchange!;
    this.pullWanted = false;
    const pulled = await ex.pull(creds);
    this.lastPullAt = this.ctx.clock.mono();
    this.pulls++;
    // A cancellation refused by the physical-fact rule queues a notice: send it in this cycle.
    if (pulled.queued > 0) await ex.push(creds);
    await this.commands(creds);
    return pulled.expected;
  }

  /**
   * Fetches and runs the fleet's remote commands (ADR remote-commands), then reports their results at once (the
   * operator is watching the console) and sends a heartbeat so the console's grid shows the change.
   */
  private async commands(creds: NonNullable<ReturnType<Exchange['credentials']>>): Promise<void> {
    if (!this.http || !this.ctx.services) return;
    const n = await fetchAndRunCommands(this.ctx, this.http, creds, this.log);
    if (n === 0) return;
    await this.exchange!.push(creds);
    await this.exchange!.heartbeat(creds);
  }

  /** Connects to the broker when this kiosk has an account (from enrollment) and is not connected yet. */
  private startPush(): void {
    if (this.push || this.closed) return;
    const creds = loadPushCredentials(this.repos.db, this.ctx.dataDir);
    if (!creds) return;
    this.push = new KioskPush(
      creds,
      {
        onPing: (kind) => this.onPing(kind),
        onUp: () => {
          // Pings sent while we were away are lost: one pull now, then heartbeats every pushHeartbeatMs.
          this.pullWanted = true;
          if (this.state !== 'offline') this.schedule(0);
        },
        onDown: (reason) => {
          this.log.info('push: broker connection lost; polling', { reason });
          // Back to polling at once unless a backoff (server down too) already decides when to try.
          if (this.state !== 'offline') this.schedule(this.o.intervalMs);
        },
      },
      this.log,
      this.o.push,
      () => unitRandom(this.ctx),
    );
    this.push.start();
  }

  private onPing(kind: PingKind): void {
    if (this.closed) return;
    this.pullWanted = true;
    if (this.pingTimer) return; // a burst of pings: one pull
    const delay = kind === 'broadcast' ? Math.floor(unitRandom(this.ctx) * this.o.broadcastSpreadMs) : this.o.nudgeDebounceMs;
    this.pingTimer = setTimeout(() => {
      this.pingTimer = null;
      // Offline (the HTTP path failing): the backoff's next full cycle pulls anyway.
      if (this.state !== 'offline') void this.exclusive(() => this.cycle('pull'));
    }, delay);
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

/** A float in [0, 1) from the context's random source (tests may make it deterministic). */
function unitRandom(ctx: KioskContext): number {
  return ctx.random.bytes(4).readUInt32BE(0) / 2 ** 32;
}
