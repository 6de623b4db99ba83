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
  /** First retry delay; doubles per attempt up to maxDelayMs, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
  /** How often due rows are looked for, besides the kicks after enqueueing. */
  pollMs?: number;
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

/** Delivers queued notifications: each row its own attempt, retried with capped exponential backoff. */
export class NotificationOutbox {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = false;
  private readonly base: number;
  private readonly cap: number;
  private readonly maxAttempts: number;

  constructor(private readonly o: OutboxOptions) {
    this.base = o.baseDelayMs ?? 2_000;
    this.cap = o.maxDelayMs ?? 15 * 60_000;
    this.maxAttempts = o.maxAttempts ?? 12;
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 1_000);
    this.timer.unref();
  }

  /** Look for due rows now (coalesced with a run in progress). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.runOnce().catch((err: Error) => this.o.log.error('notification outbox run failed', { err: err.message }));
  }

  /** One pass over due rows; resolves with how many were attempted. Concurrent callers share the pass. */
  runOnce(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    return this.running;
  }

  /** Until nothing is due (for tests and shutdown), or the deadline passes. */
  async drain(deadlineMs = 10_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      const n = await this.runOnce();
      if (n === 0) return;
    }
  }

  pendingCount(): number {
    return (this.o.db.prepare(`SELECT COUNT(*) AS n FROM notifications WHERE status = 'pending'`).get() as { n: number }).n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    for (const c of this.o.channels.values()) c.close?.();
  }

  private async pass(): Promise<number> {
    const { db, log } = this.o;
    const rows = db
      .prepare(
        `SELECT id, parcel_id, kind, channel, address, body_sealed, attempts FROM notifications
         WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
      )
      .all(this.o.now(), this.o.batch ?? 100) as Row[];
    if (rows.length === 0) return 0;
    // Claim the rows: push next_attempt_at out so an overlapping pass (another poll) leaves them alone.
    const claim = db.prepare('UPDATE notifications SET next_attempt_at = ? WHERE id = ?');
    db.transaction(() => rows.forEach((r) => claim.run(this.o.now() + this.cap, r.id)))();
    const settled = await Promise.allSettled(rows.map((r) => this.deliver(r)));
    for (const r of settled) if (r.status === 'rejected') log.error('notification bookkeeping failed', { err: String(r.reason) });
    log.info('notifications attempted', { count: rows.length });
    return rows.length;
  }

  private async deliver(r: Row): Promise<void> {
    const { db } = this.o;
    const channel = this.o.channels.get(r.channel);
    try {
      if (!channel) throw new Error(`channel ${r.channel} is not configured`);
      if (r.body_sealed === null) throw new Error('message body missing');
      const message = JSON.parse(this.o.vault.open(r.body_sealed, bodyContext(r.parcel_id, r.kind, r.channel, r.address))) as Message;
      await channel.send(r.address, message);
      db.prepare(`UPDATE notifications SET status = 'sent', body_sealed = NULL, attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?`).run(
        this.o.now(),
        r.id,
      );
    } catch (err) {
      const attempts = r.attempts + 1;
      const message = String((err as Error).message ?? err).slice(0, 300);
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
