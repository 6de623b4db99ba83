import type { ServerContext } from '../context';
import type { Logger } from '../log';
import type { Db } from '../store/db';
import type { Vault } from '../keys';
import type { ParcelRow } from '../services/shipments';
import type { Channel, ChannelName } from './channels';
import { renderMessage, type Message, type NotificationKind } from './messages';

const bodyContext = (parcelId: string, kind: string, channel: string, address: string) => `notification:${parcelId}:${kind}:${channel}:${address}`;

/** Which channel reaches each of the recipient's addresses: the real one if configured, else the demo console. */
export function routes(ctx: ServerContext, p: ParcelRow): { channel: ChannelName; address: string }[] {
  const out: { channel: ChannelName; address: string }[] = [];
  if (p.recipient_email) {
    if (ctx.channels.smtp) out.push({ channel: 'smtp', address: p.recipient_email });
    else if (ctx.channels.console) out.push({ channel: 'console', address: p.recipient_email });
  }
  if (p.recipient_phone) {
    if (ctx.channels.sms) out.push({ channel: 'sms', address: p.recipient_phone });
    else if (ctx.channels.console) out.push({ channel: 'console', address: p.recipient_phone });
  }
  return out;
}

/**
 * Queue one message per reachable address, inside the caller's transaction. Idempotent: the
 * (parcel, kind, expiry, channel, address) unique key makes a second call a no-op. A reminder is keyed on the expiry
 * it announces, so an extension earns a fresh one. Each row is delivered on its own, so one failing channel never
 * holds up another.
 */
export function enqueueNotification(ctx: ServerContext, p: ParcelRow, kind: NotificationKind, code?: string): number {
  const targets = routes(ctx, p);
  if (targets.length === 0) ctx.log.warn('no channel reaches this recipient', { parcelId: p.id, kind });
  const message = renderMessage(kind, p, code);
  const now = ctx.now();
  const forExpiry = kind === 'reminder' ? (p.expires_at ?? 0) : 0;
  const insert = ctx.db.prepare(
    `INSERT OR IGNORE INTO notifications (parcel_id, kind, for_expiry, channel, address, body_sealed, status, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  let queued = 0;
  for (const t of targets) {
    const sealed = ctx.keys.vault.seal(JSON.stringify(message), bodyContext(p.id, kind, t.channel, t.address));
    queued += insert.run(p.id, kind, forExpiry, t.channel, t.address, sealed, now, now).changes;
  }
  return queued;
}

/** Pending reminders/notices that no longer make sense (the parcel left the locker). */
export function dropPendingNotifications(ctx: ServerContext, parcelId: string, kinds: NotificationKind[], why: string): void {
  ctx.db
    .prepare(
      `UPDATE notifications SET status = 'dead', body_sealed = NULL, last_error = ?
       WHERE parcel_id = ? AND status = 'pending' AND kind IN (${kinds.map(() => '?').join(',')})`,
    )
    .run(why, parcelId, ...kinds);
}

export interface OutboxOptions {
  db: Db;
  vault: Vault;
  channels: Map<ChannelName, Channel>;
  log: Logger;
  now: () => number;
  /** First retry delay; doubles per attempt up to maxDelayMs, with jitter. maxDelayMs is also how long a claim holds. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
  /** How often due rows are looked for, besides the kicks after enqueueing and after each finished send. */
  pollMs?: number;
  /** At most this many sends in flight per channel. */
  batch?: number;
}

interface Row {
  id: number;
  parcel_id: string;
  kind: string;
  channel: ChannelName;
  address: string;
  body_sealed: string | null;
  attempts: number;
}

/**
 * One channel's queue: it claims only its own rows and keeps its own sends in flight, so a channel that hangs (a
 * gateway that accepts and never answers) or fails never holds up another. The last lane takes rows for channels that
 * are not configured (any more), so they fail, back off and are given up instead of waiting forever.
 */
interface Lane {
  name: string;
  where: string;
  params: string[];
  inflight: Map<number, Promise<void>>;
}

class Shutdown extends Error {
  constructor() {
    super('interrupted by shutdown');
  }
}

/** Settles with `p`, or rejects with Shutdown as soon as `signal` aborts (the send itself may go on; it is ignored). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new Shutdown());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => undefined);
      reject(new Shutdown());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Delivers queued notifications: each row its own attempt, retried with capped exponential backoff; each channel
 * drains on its own (see Lane). There is no pass that waits for every send: a lane claims due rows whenever it has
 * room (poll, kick, or one of its sends finishing).
 */
export class NotificationOutbox {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly shutdown = new AbortController();
  private readonly lanes: Lane[];
  private readonly base: number;
  private readonly cap: number;
  private readonly maxAttempts: number;
  private readonly perChannel: number;

  constructor(private readonly o: OutboxOptions) {
    this.base = o.baseDelayMs ?? 2_000;
    this.cap = o.maxDelayMs ?? 15 * 60_000;
    this.maxAttempts = o.maxAttempts ?? 12;
    this.perChannel = o.batch ?? 100;
    const names = [...o.channels.keys()];
    this.lanes = names.map((n) => ({ name: n, where: 'channel = ?', params: [n], inflight: new Map() }));
    this.lanes.push({
      name: 'unconfigured',
      where: names.length ? `channel NOT IN (${names.map(() => '?').join(',')})` : '1 = 1',
      params: names,
      inflight: new Map(),
    });
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 1_000);
    this.timer.unref();
  }

  /** Look for due rows now, on every channel; each lane starts what it has room for. */
  kick(): void {
    this.pumpAll();
  }

  /** Starts the due rows every lane has room for; resolves, once those sends settled, with how many were started. */
  async runOnce(): Promise<number> {
    const before = new Set(this.flying());
    const started = this.pumpAll();
    await Promise.allSettled(this.flying().filter((p) => !before.has(p)));
    return started;
  }

  /** Until nothing is due and nothing is in flight (for tests), or the deadline passes. */
  async drain(deadlineMs = 10_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      const started = this.pumpAll();
      const flying = this.flying();
      if (started === 0 && flying.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(flying), new Promise((r) => (timer = setTimeout(r, Math.max(0, until - Date.now()))))]);
      clearTimeout(timer);
    }
  }

  pendingCount(): number {
    return (this.o.db.prepare(`SELECT COUNT(*) AS n FROM notifications WHERE status = 'pending'`).get() as { n: number }).n;
  }

  /**
   * Stops claiming and aborts the sends in flight: each is released (due again at once, attempt not counted) rather
   * than waited for, so close() is prompt even with a hanging gateway and no row stays claimed. A channel may have
   * taken an aborted message anyway; it then goes out again after a restart (at-least-once, ADR 0003).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.shutdown.abort();
    await Promise.allSettled(this.flying());
    for (const c of this.o.channels.values()) c.close?.();
  }

  private flying(): Promise<void>[] {
    return this.lanes.flatMap((l) => [...l.inflight.values()]);
  }

  private pumpAll(): number {
    return this.lanes.reduce((n, lane) => n + this.pumpLane(lane), 0);
  }

  private pumpLane(lane: Lane): number {
    try {
      return this.pump(lane);
    } catch (err) {
      this.o.log.error('notification outbox run failed', { channel: lane.name, err: (err as Error).message });
      return 0;
    }
  }

  /** Claims this lane's due rows (as many as it has room for) and starts sending them; returns how many. */
  private pump(lane: Lane): number {
    if (this.stopped) return 0;
    const room = this.perChannel - lane.inflight.size;
    if (room <= 0) return 0;
    const { db, log } = this.o;
    const select = db.prepare(
      `SELECT id, parcel_id, kind, channel, address, body_sealed, attempts FROM notifications
       WHERE status = 'pending' AND next_attempt_at <= ? AND ${lane.where} AND id NOT IN (SELECT value FROM json_each(?))
       ORDER BY next_attempt_at LIMIT ?`,
    );
    const args = () => [this.o.now(), ...lane.params, JSON.stringify([...lane.inflight.keys()]), room];
    if (select.all(...args()).length === 0) return 0; // the common case: a read, no write lock
    // Claim the rows: push next_attempt_at out so an overlapping run (another process on this file) leaves them
    // alone; rows in flight here are also skipped by id, however long their claim.
    const claim = db.prepare('UPDATE notifications SET next_attempt_at = ? WHERE id = ?');
    const rows = db
      .transaction(() => {
        const due = select.all(...args()) as Row[];
        for (const r of due) claim.run(this.o.now() + this.cap, r.id);
        return due;
      })
      .immediate();
    for (const r of rows) {
      const sending = this.deliver(r)
        .catch((err: unknown) => log.error('notification bookkeeping failed', { err: String(err) }))
        .finally(() => {
          lane.inflight.delete(r.id);
          // Room again: take the next due row of this channel without waiting for the poll.
          if (!this.stopped) setImmediate(() => this.pumpLane(lane));
        });
      lane.inflight.set(r.id, sending);
    }
    if (rows.length > 0) log.info('notifications attempted', { channel: lane.name, count: rows.length });
    return rows.length;
  }

  private async deliver(r: Row): Promise<void> {
    const { db } = this.o;
    const channel = this.o.channels.get(r.channel);
    try {
      if (!channel) throw new Error(`channel ${r.channel} is not configured`);
      if (r.body_sealed === null) throw new Error('message body missing');
      const message = JSON.parse(this.o.vault.open(r.body_sealed, bodyContext(r.parcel_id, r.kind, r.channel, r.address))) as Message;
      const signal = this.shutdown.signal;
      await unlessAborted(channel.send(r.address, message, signal), signal);
      db.prepare(`UPDATE notifications SET status = 'sent', body_sealed = NULL, attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?`).run(
        this.o.now(),
        r.id,
      );
    } catch (err) {
      const message = String((err as Error).message ?? err).slice(0, 300);
      if (this.shutdown.signal.aborted) {
        // Released, not failed: due again at once for whoever runs next (the gateway may have it: at-least-once).
        db.prepare(`UPDATE notifications SET next_attempt_at = ?, last_error = ? WHERE id = ? AND status = 'pending'`).run(this.o.now(), 'interrupted by shutdown', r.id);
        return;
      }
      const attempts = r.attempts + 1;
      if (attempts >= this.maxAttempts) {
        db.prepare(`UPDATE notifications SET status = 'dead', body_sealed = NULL, attempts = ?, last_error = ? WHERE id = ?`).run(attempts, message, r.id);
        this.o.log.error('notification given up', { id: r.id, channel: r.channel, kind: r.kind, attempts, err: message });
      } else {
        const exp = Math.min(this.cap, this.base * 2 ** (attempts - 1));
        const delay = Math.round(exp / 2 + Math.random() * (exp / 2)); // "equal jitter": never hammers, never waits too little
        db.prepare(`UPDATE notifications SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`).run(attempts, this.o.now() + delay, message, r.id);
        this.o.log.warn('notification failed, will retry', { id: r.id, channel: r.channel, kind: r.kind, attempts, err: message });
      }
    }
  }
}
