import {
  EnrollResponse,
  EventsResponse,
  HeartbeatResponse,
  ManifestResponse,
  SyncEvent,
  type HeartbeatRequest,
  type SizeCounts,
} from '../../src-shared/sync-protocol';
import type { KioskContext } from '../context';
import type { Logger } from '../log';
import type { Repos } from '../store/index';
import { applyManifestPage, retryDeferredCancellations } from './apply-manifest';
import { compartmentGrid } from './commands';
import { SyncError, type Credentials, type SyncHttp } from './http';
import { savePushCredentials } from './push';
import { META, deleteMeta, getMeta, setMeta } from './meta';
import { OUTBOX_RESEND_WINDOW_MS } from '../store/outbox';
import { PRUNED_SEQ_KEY } from '../store/retention';

/** How often acked outbox events past the re-send window are pruned (real time). */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The four conversations with the fleet server (§6), each one step of a sync cycle. No timers and no state of
 * their own: client.ts decides when to run them and what a failure means for connectivity.
 */
export interface ExchangeOptions {
  batchSize: number;
  manifestPageSize: number;
  /** How long a malformed outbox event (our bug, not the network's) waits before it is tried again. */
  poisonRetryMs: number;
}

export class Exchange {
  constructor(
    private readonly ctx: KioskContext,
    private readonly repos: Repos,
    private readonly http: SyncHttp,
    private readonly log: Logger,
    private readonly o: ExchangeOptions,
  ) {}

  private lastPruneMono: number | null = null;

  credentials(): Credentials | null {
    const kioskId = this.repos.enrollment.kioskId();
    const secret = this.repos.enrollment.getKioskSecret();
    return kioskId && secret ? { kioskId, secret } : null;
  }

  /** Trades the one-time token for credentials and stores them (secret file, then meta rows). */
  async enroll(token: string): Promise<Credentials> {
    const capacity = emptyCounts();
    for (const c of this.ctx.layout.compartments) capacity[c.size]++;
    const res = await this.http.post(
      '/v1/kiosks/enroll',
      { enrollmentToken: token, capacity, layoutName: this.ctx.layout.name.slice(0, 80), version: this.ctx.version.slice(0, 40) },
      EnrollResponse,
    );
    // A replaced PC's locker may be full of parcels its store learns of only from the first manifest (ADR return-reenroll).
    this.repos.enrollment.setEnrollment({ kioskId: res.kioskId, kioskSecret: res.kioskSecret, badgePublicKey: res.badgePublicKey }, { contentsPending: true });
    // The broker account for push (ADR mqtt-push), or none: then this kiosk polls.
    savePushCredentials(this.repos.db, this.ctx.dataDir, res.push);
    // A new identity starts its manifest from the beginning, knows no epoch yet, and has had no event acked: events
    // acked to a previous identity must not look lost to this one (ADR restore-epoch).
    deleteMeta(this.repos.db, META.cursor);
    deleteMeta(this.repos.db, META.epoch);
    deleteMeta(this.repos.db, PRUNED_SEQ_KEY); // its seq numbers are the old identity's
    this.repos.outbox.pruneAcked(Number.MAX_SAFE_INTEGER);
    this.log.info('enrolled', { kioskId: res.kioskId });
    const creds = this.credentials();
    if (!creds) throw new SyncError('config', 'enrollment was stored but cannot be read back');
    return creds;
  }

  /**
   * Sends every due outbox event, oldest first, in batches; marks the acked ones. Returns how many were acked.
   * Order is kept: a batch that fails stays due, so nothing overtakes it.
   */
  async push(creds: Credentials): Promise<number> {
    const path = `/v1/kiosks/${encodeURIComponent(creds.kioskId)}/events`;
    let acked = 0;
    for (;;) {
      const now = this.ctx.clock.now();
      // The longest deferral the outbox holds is a refused event's: anything further ahead is a clock that was fast.
      const due = this.repos.outbox.pending(now, this.o.batchSize, this.o.poisonRetryMs);
      if (due.length === 0) {
        this.pruneAcked(now);
        return acked;
      }
      const good: SyncEvent[] = [];
      const poison: string[] = [];
      for (const e of due) {
        const parsed = SyncEvent.safeParse({ id: e.id, type: e.type, occurredAt: e.occurredAt, payload: e.payload });
        if (parsed.success) good.push(parsed.data);
        else poison.push(e.id);
      }
      if (poison.length) this.quarantine(poison, 'event does not match the sync contract', now);
      if (good.length === 0) continue;
      let res: EventsResponse;
      try {
        res = await this.http.signed(creds, 'POST', path, { events: good }, EventsResponse);
      } catch (err) {
        if (err instanceof SyncError && err.status === 400 && good.length > 1) {
          // The server refuses the batch as a whole; find the one it refuses so the rest can go.
          acked += await this.pushOneByOne(creds, path, good);
          continue;
        }
        // Stays due: the client's backoff (real time) says when to try again. A wall-clock "next attempt" written
        // now would hold the batch for days if this clock is fast and is corrected later (issue 9 §4).
        this.repos.outbox.markRetry(
          good.map((e) => e.id),
          String((err as Error).message),
        );
        throw err;
      }
      const sent = new Set(good.map((e) => e.id));
      const ids = res.acked.filter((id) => sent.has(id));
      if (ids.length === 0) throw new SyncError('protocol', 'events: the server acknowledged none of the batch');
      this.repos.outbox.markAcked(ids, this.ctx.clock.now());
      acked += ids.length;
    }
  }

  private async pushOneByOne(creds: Credentials, path: string, events: SyncEvent[]): Promise<number> {
    let acked = 0;
    for (const e of events) {
      try {
        const res = await this.http.signed(creds, 'POST', path, { events: [e] }, EventsResponse);
        if (res.acked.includes(e.id)) acked += this.repos.outbox.markAcked([e.id], this.ctx.clock.now());
      } catch (err) {
        if (err instanceof SyncError && err.status === 400) this.quarantine([e.id], err.message, this.ctx.clock.now());
        else throw err;
      }
    }
    return acked;
  }

  private quarantine(ids: string[], why: string, now: number): void {
    this.log.error('outbox events refused; set aside for later', { count: ids.length, why });
    this.repos.outbox.markFailed(ids, now + this.o.poisonRetryMs, why);
  }

  /** Acked events past the re-send window (OUTBOX_RESEND_WINDOW_MS) are forgotten, checked at most once an hour. */
  private pruneAcked(now: number): void {
    const mono = this.ctx.clock.mono();
    if (this.lastPruneMono !== null && mono - this.lastPruneMono < PRUNE_EVERY_MS) return;
    this.lastPruneMono = mono;
    const n = this.repos.outbox.pruneAcked(now - OUTBOX_RESEND_WINDOW_MS);
    if (n > 0) this.log.info('outbox: acked events past the re-send window pruned', { count: n });
  }

  /**
   * Pulls manifest pages from the stored cursor until the server has no more; each page in one transaction. The first
   * request names the newest event the server acked us; every answer is checked for a server that went back in time
   * (ADR restore-epoch, `restoreSeen`): then the kiosk heals once, in one local transaction, by resetting its cursor to
   * '0' (the whole manifest again: applying it twice is harmless) and re-queuing every acked event it keeps (the server
   * stores each once, by UUID); `queued` counts them, so the caller pushes them in this cycle.
   */
  async pull(creds: Credentials): Promise<{ pages: number; expected: number; queued: number; healed?: string }> {
    retryDeferredCancellations({ ...this.repos, log: this.log }, this.ctx.clock.now());
    let cursor = getMeta(this.repos.db, META.cursor) ?? '0';
    let lastEvent = this.repos.outbox.lastAcked();
    const total: { pages: number; expected: number; queued: number; healed?: string } = { pages: 0, expected: 0, queued: 0 };
    for (;;) {
      const ask = lastEvent ? `&lastEvent=${lastEvent}` : '';
      const path = `/v1/kiosks/${encodeURIComponent(creds.kioskId)}/manifest?cursor=${cursor}&limit=${this.o.manifestPageSize}${ask}`;
      const page = await this.http.signed(creds, 'GET', path, undefined, ManifestResponse);
      lastEvent = null;
      const restored = total.healed === undefined ? restoreSeen(page, cursor, getMeta(this.repos.db, META.epoch)) : null;
      if (restored) {
        total.healed = restored;
        total.queued += this.heal(page.epoch, restored);
        cursor = '0';
        continue;
      }
      if (page.epoch !== undefined && getMeta(this.repos.db, META.epoch) !== page.epoch) setMeta(this.repos.db, META.epoch, page.epoch);
      const r = applyManifestPage({ ...this.repos, log: this.log }, page, this.ctx.clock.now());
      total.pages++;
      total.expected += r.expected.inserted;
      total.queued += r.queued;
      if (r.cancelRefused) this.log.info('manifest: cancellations refused (parcel already handled here)', { count: r.cancelRefused });
      if (!page.hasMore) {
        if (!this.repos.enrollment.contentsKnown()) await this.contentsNowKnown();
        return total;
      }
      if (page.nextCursor === cursor) throw new SyncError('protocol', 'manifest: hasMore without a new cursor');
      cursor = page.nextCursor;
    }
  }

  /**
   * The first manifest since enrollment has been read to its end: every parcel in the locker is placed now, so the
   * item sensors are compared with the store at once (ADR return-reenroll): an item where a parcel was placed is
   * expected, one the manifest did not explain takes its compartment out of service. A board that does not answer now is
   * decided by its reconnect's reconciliation, as at start-up.
   */
  private async contentsNowKnown(): Promise<void> {
    this.repos.enrollment.markContentsKnown();
    if (!this.ctx.services) return; // a sync built without services (some tests): nothing reads the sensors
    try {
      await this.ctx.services.checkSensors();
    } catch (err) {
      this.log.warn('item sensor check after the first manifest failed', { error: String(err) });
    }
  }

  /**
   * The server lost part of its history: one local transaction resets the cursor, adopts the server's epoch and puts
   * every acked event still kept back in the outbox. Returns how many events will be re-sent.
   */
  private heal(epoch: string | undefined, why: string): number {
    const requeued = this.repos.db
      .transaction(() => {
        setMeta(this.repos.db, META.cursor, '0');
        if (epoch !== undefined) setMeta(this.repos.db, META.epoch, epoch);
        return this.repos.outbox.requeueAcked();
      })
      .immediate();
    this.log.warn('the fleet server went back in time: manifest read again from the start, acked events re-sent', { why, requeued });
    return requeued;
  }

  async heartbeat(creds: Credentials): Promise<HeartbeatResponse> {
    const body: HeartbeatRequest = {
      freeBySize: this.freeBySize(),
      inServiceBySize: this.repos.compartments.inServiceBySize(),
      faults: this.faults(),
      outboxDepth: this.repos.outbox.depth(),
      version: this.ctx.version.slice(0, 40) || 'unknown',
      cursor: getMeta(this.repos.db, META.cursor) ?? '0',
      compartments: compartmentGrid(this.ctx, this.repos),
      disk: this.disk(),
    };
    return this.http.signed(creds, 'POST', `/v1/kiosks/${encodeURIComponent(creds.kioskId)}/heartbeat`, body, HeartbeatResponse);
  }

  /** The disk as the last measure saw it (services/disk-care.ts); omitted when the services cannot say. */
  private disk(): HeartbeatRequest['disk'] {
    try {
      const d = this.ctx.services.disk.status();
      return { dataDirBytes: d.dataDirBytes, freeBytes: Math.min(d.freeBytes, Number.MAX_SAFE_INTEGER), totalBytes: d.totalBytes, reserveBytes: d.reserveBytes, low: d.low };
    } catch {
      return undefined;
    }
  }

  private freeBySize(): SizeCounts {
    try {
      return { ...emptyCounts(), ...this.ctx.services.freeBySize() };
    } catch {
      return this.repos.compartments.freeBySize();
    }
  }

  /** What a technician should know about from afar: the serial line, offline boards, compartments out of service. */
  private faults(): HeartbeatRequest['faults'] {
    const out: HeartbeatRequest['faults'] = [];
    const h = this.ctx.doors.health();
    if (h.port !== 'open') out.push({ code: 'SERIAL_PORT', message: `serial port ${h.port}${h.lastError ? `: ${h.lastError}` : ''}`.slice(0, 200) });
    for (const b of h.boards) if (!b.online) out.push({ code: 'BOARD_OFFLINE', message: `lock board ${b.board} does not answer` });
    for (const c of this.repos.compartments.all()) {
      if (!c.inService && out.length < 100) out.push({ code: 'OUT_OF_SERVICE', compartmentId: c.id, ...(c.serviceNote ? { message: c.serviceNote.slice(0, 200) } : {}) });
    }
    return out.slice(0, 100);
  }
}

/**
 * Why this manifest answer shows a server that lost history the kiosk has seen (ADR restore-epoch), or null:
 * - `epoch`: a new epoch (restore-mark, or the server's restore watermark) while the kiosk knew another one;
 * - `head`: the kiosk's manifest head on the server is below the cursor the kiosk sent;
 * - `events`: the server no longer has the newest event it acked to this kiosk.
 * An older server sends none of these fields: nothing is detected, as before.
 */
export function restoreSeen(page: ManifestResponse, sentCursor: string, knownEpoch: string | null): 'epoch' | 'head' | 'events' | null {
  if (page.epoch !== undefined && knownEpoch !== null && page.epoch !== knownEpoch) return 'epoch';
  if (page.head !== undefined && page.head < Number(sentCursor)) return 'head';
  if (page.lastEventKnown === false) return 'events';
  return null;
}

function emptyCounts(): SizeCounts {
  return { S: 0, M: 0, L: 0, XL: 0 };
}
