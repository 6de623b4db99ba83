import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../context';
import type { Logger } from '../log';
import type { Updateable } from 'kysely';
import type { Q, Store } from '../store/db';
import type { NotificationsTable } from '../store/schema';
import { skipLocked } from '../store/dialect';
import type { Vault } from '../keys';
import type { ParcelRow } from '../services/shipments';
import type { Channel, ChannelName } from './channels';
import { renderMessage, type Message, type NotificationKind } from './messages';
import { recipientLink } from '../services/recipient-link';

/** The seal's context: `owner` is the parcel id, or the alert id for an alert (ids never collide: `al_` prefix). */
export const bodyContext = (parcelId: string, kind: string, channel: string, address: string) => `notification:${parcelId}:${kind}:${channel}:${address}`;

/**
 * Which channel reaches each of the recipient's addresses: the real one if configured, else the demo console. `medium`
 * is what the address is (the console prints an SMS for a phone number, the e-mail's text for an address).
 */
export function routes(ctx: ServerContext, p: ParcelRow): { channel: ChannelName; address: string; medium: 'email' | 'sms' }[] {
  const out: { channel: ChannelName; address: string; medium: 'email' | 'sms' }[] = [];
  if (p.recipient_email) {
    if (ctx.channels.smtp) out.push({ channel: 'smtp', address: p.recipient_email, medium: 'email' });
    else if (ctx.channels.console) out.push({ channel: 'console', address: p.recipient_email, medium: 'email' });
  }
  if (p.recipient_phone) {
    if (ctx.channels.sms) out.push({ channel: 'sms', address: p.recipient_phone, medium: 'sms' });
    else if (ctx.channels.console) out.push({ channel: 'console', address: p.recipient_phone, medium: 'sms' });
  }
  return out;
}

/**
 * The kiosk's IANA zone (migration: kiosks.time_zone, UTC for kiosks enrolled before it), for deadlines in messages and
 * on the recipient's page (routes/recipient-page.ts): both must state the same local time.
 */
export async function kioskTimeZone(q: Q, kioskId: string): Promise<string> {
  const k = await q.selectFrom('kiosks').select('time_zone').where('id', '=', kioskId).executeTakeFirst();
  return k?.time_zone ?? 'UTC';
}

/**
 * Queue one message per reachable address, inside the caller's transaction. Idempotent: the
 * (parcel, kind, expiry, channel, address) unique key makes a second call a no-op (`ON CONFLICT DO NOTHING`, so two
 * instances queueing the same message at once store it once). A reminder is keyed on the expiry it announces, so an
 * extension earns a fresh one. Each row is delivered on its own, so one failing channel never holds up another.
 * Returns how many rows were queued. `key`: a re-issued code's manifest seq (ADR code-reissue), so each re-issue is its
 * own message (stored in `for_expiry`, which is 0 for every other non-reminder) and says "your new code".
 */
export async function enqueueNotification(ctx: ServerContext, q: Q, p: ParcelRow, kind: NotificationKind, code?: string, key?: number): Promise<number> {
  const targets = routes(ctx, p);
  if (targets.length === 0) ctx.log.warn('no channel reaches this recipient', { parcelId: p.id, kind });
  const timeZone = targets.length > 0 ? await kioskTimeZone(q, p.kiosk_id) : 'UTC';
  // A `code` message with a key is a re-issue (ADR code-reissue): "your new code".
  const reissued = kind === 'code' && key !== undefined;
  const now = ctx.now();
  const forExpiry = kind === 'reminder' ? (p.expires_at ?? 0) : (key ?? 0);
  let queued = 0;
  for (const t of targets) {
    // Rendered per address: the recipient's language, the kiosk's local time, an e-mail or a short SMS (issue 12).
    const message = renderMessage(kind, p, code, { locale: p.locale, timeZone, medium: t.medium, reissued, link: recipientLink(ctx, p.id) });
    const sealed = ctx.keys.vault.seal(JSON.stringify(message), bodyContext(p.id, kind, t.channel, t.address));
    const r = await q
      .insertInto('notifications')
      .values({ parcel_id: p.id, kind, for_expiry: forExpiry, channel: t.channel, address: t.address, body_sealed: sealed, status: 'pending', next_attempt_at: now, created_at: now, last_error: null, sent_at: null, lease_token: null })
      .onConflict((oc) => oc.columns(['parcel_id', 'kind', 'for_expiry', 'channel', 'address']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (r) queued++;
  }
  return queued;
}

/** Pending reminders/notices that no longer make sense (the parcel left the locker). */
export async function dropPendingNotifications(q: Q, parcelId: string, kinds: NotificationKind[], why: string): Promise<void> {
  await q
    .updateTable('notifications')
    .set({ status: 'dead', body_sealed: null, last_error: why })
    .where('parcel_id', '=', parcelId)
    .where('status', '=', 'pending')
    .where('kind', 'in', kinds)
    .execute();
}

export interface OutboxOptions {
  store: Store;
  vault: Vault;
  channels: Map<ChannelName, Channel>;
  log: Logger;
  now: () => number;
  /** First retry delay; doubles per attempt up to maxDelayMs, with jitter. maxDelayMs is also how long a claim (lease) holds. */
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
  /** Exactly one of the two: a recipient's message about a parcel, or an operator alert (ADR alerts-webhooks). */
  parcel_id: string | null;
  alert_id: string | null;
  kind: string;
  channel: ChannelName;
  address: string;
  body_sealed: string | null;
  attempts: number;
  /** This claim's token: the outcome is recorded only while the row still carries it. */
  lease: string;
}

/**
 * One channel's queue: it claims only its own rows and keeps its own sends in flight, so a channel that hangs (a
 * gateway that accepts and never answers) or fails never holds up another. The last lane takes rows for channels that
 * are not configured (any more), so they fail, back off and are given up instead of waiting forever.
 */
interface Lane {
  name: string;
  /** This lane's channel, or (the last lane) the configured ones it must NOT take. */
  channel: ChannelName | null;
  notIn: ChannelName[];
  inflight: Map<number, Promise<void>>;
  /** The claim being made, if any: a second pump waits for it (and it runs once more) instead of over-claiming. */
  pumping: Promise<number> | null;
  again: boolean;
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
    this.lanes = names.map((n) => ({ name: n, channel: n, notIn: [], inflight: new Map(), pumping: null, again: false }));
    this.lanes.push({ name: 'unconfigured', channel: null, notIn: names, inflight: new Map(), pumping: null, again: false });
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 1_000);
    this.timer.unref();
  }

  /** Look for due rows now, on every channel; each lane starts what it has room for. */
  kick(): void {
    void this.pumpAll();
  }

  /** Starts the due rows every lane has room for; resolves, once those sends settled, with how many were started. */
  async runOnce(): Promise<number> {
    const before = new Set(this.flying());
    const started = await this.pumpAll();
    await Promise.allSettled(this.flying().filter((p) => !before.has(p)));
    return started;
  }

  /** Until nothing is due and nothing is in flight (for tests), or the deadline passes. */
  async drain(deadlineMs = 10_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      const started = await this.pumpAll();
      const flying = this.flying();
      if (started === 0 && flying.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(flying), new Promise((r) => (timer = setTimeout(r, Math.max(0, until - Date.now()))))]);
      clearTimeout(timer);
    }
  }

  async pendingCount(): Promise<number> {
    const r = await this.o.store.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(r.n);
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

  private async pumpAll(): Promise<number> {
    const counts = await Promise.all(this.lanes.map((lane) => this.pumpLane(lane)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * One claim at a time per lane. A call while a claim is being made asks for one more round and waits for both, so a
   * caller (drain) never mistakes "someone else is claiming" for "nothing is due".
   */
  private pumpLane(lane: Lane): Promise<number> {
    if (lane.pumping) {
      lane.again = true;
      return lane.pumping.then(() => 0);
    }
    const run = async (): Promise<number> => {
      try {
        let n = 0;
        do {
          lane.again = false;
          n += await this.pump(lane);
        } while (lane.again && !this.stopped);
        return n;
      } catch (err) {
        this.o.log.error('notification outbox run failed', { channel: lane.name, err: (err as Error).message });
        return 0;
      } finally {
        lane.pumping = null;
      }
    };
    lane.pumping = run();
    return lane.pumping;
  }

  /**
   * Claims this lane's due rows (as many as it has room for) and starts sending them; returns how many. The claim is
   * one transaction: `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL: two instances' workers take disjoint rows and never
   * wait on each other), then a lease: next_attempt_at pushed out by maxDelayMs and a fresh lease_token. A worker that
   * dies mid-send leaves the row to be claimed again once the lease lapses (at-least-once); a worker whose lease lapsed
   * and was re-claimed elsewhere can no longer record an outcome over the new holder's. Rows in flight here are also
   * skipped by id, however long their send takes.
   */
  private async pump(lane: Lane): Promise<number> {
    if (this.stopped) return 0;
    const room = this.perChannel - lane.inflight.size;
    if (room <= 0) return 0;
    const { store, log } = this.o;
    const due = (q: Q, limit: number) =>
      q
        .selectFrom('notifications')
        .select(['id', 'parcel_id', 'alert_id', 'kind', 'channel', 'address', 'body_sealed', 'attempts'])
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', this.o.now())
        .$if(lane.channel !== null, (qb) => qb.where('channel', '=', lane.channel!))
        .$if(lane.notIn.length > 0, (qb) => qb.where('channel', 'not in', lane.notIn))
        .$if(lane.inflight.size > 0, (qb) => qb.where('id', 'not in', [...lane.inflight.keys()]))
        .orderBy('next_attempt_at')
        .limit(limit);
    // The common case, nothing due: one read, no transaction, no write lock.
    if ((await due(store.db, 1).execute()).length === 0) return 0;
    const lease = randomBytes(9).toString('base64url');
    const rows: Row[] = await store.tx(async (q) => {
      const picked = await skipLocked(store.dialect, due(q, room)).execute();
      if (picked.length === 0) return [];
      await q
        .updateTable('notifications')
        .set({ next_attempt_at: this.o.now() + this.cap, lease_token: lease })
        .where('id', 'in', picked.map((r) => r.id))
        .execute();
      return picked.map((r) => ({ ...r, lease }));
    });
    if (this.stopped) {
      // Claimed while stopping: hand the rows straight back rather than hold them for a lease.
      await this.release(rows, 'interrupted by shutdown');
      return 0;
    }
    for (const r of rows) {
      const sending = this.deliver(r)
        .catch((err: unknown) => log.error('notification bookkeeping failed', { err: String(err) }))
        .finally(() => {
          lane.inflight.delete(r.id);
          // Room again: take the next due row of this channel without waiting for the poll.
          if (!this.stopped) setImmediate(() => void this.pumpLane(lane));
        });
      lane.inflight.set(r.id, sending);
    }
    if (rows.length > 0) log.info('notifications attempted', { channel: lane.name, count: rows.length });
    return rows.length;
  }

  private async release(rows: Row[], why: string): Promise<void> {
    for (const r of rows) {
      await this.o.store.db
        .updateTable('notifications')
        .set({ next_attempt_at: this.o.now(), last_error: why, lease_token: null })
        .where('id', '=', r.id)
        .where('status', '=', 'pending')
        .where('lease_token', '=', r.lease)
        .execute();
    }
  }

  /** Sends one claimed row and records the outcome, only while our lease still holds the row. */
  private async deliver(r: Row): Promise<void> {
    const { store } = this.o;
    const update = (set: Updateable<NotificationsTable>) =>
      store.db.updateTable('notifications').set(set).where('id', '=', r.id).where('lease_token', '=', r.lease).execute();
    const channel = this.o.channels.get(r.channel);
    try {
      if (!channel) throw new Error(`channel ${r.channel} is not configured`);
      if (r.body_sealed === null) throw new Error('message body missing');
      const message = JSON.parse(this.o.vault.open(r.body_sealed, bodyContext(r.parcel_id ?? r.alert_id ?? '', r.kind, r.channel, r.address))) as Message;
      const signal = this.shutdown.signal;
      await unlessAborted(channel.send(r.address, message, signal), signal);
      await update({ status: 'sent', body_sealed: null, attempts: r.attempts + 1, sent_at: this.o.now(), last_error: null, lease_token: null });
    } catch (err) {
      const message = String((err as Error).message ?? err).slice(0, 300);
      if (this.shutdown.signal.aborted) {
        // Released, not failed: due again at once for whoever runs next (the gateway may have it: at-least-once).
        await this.release([r], 'interrupted by shutdown');
        return;
      }
      const attempts = r.attempts + 1;
      if (attempts >= this.maxAttempts) {
        await update({ status: 'dead', body_sealed: null, attempts, last_error: message, lease_token: null });
        this.o.log.error('notification given up', { id: r.id, channel: r.channel, kind: r.kind, attempts, err: message });
      } else {
        const exp = Math.min(this.cap, this.base * 2 ** (attempts - 1));
        const delay = Math.round(exp / 2 + Math.random() * (exp / 2)); // "equal jitter": never hammers, never waits too little
        await update({ attempts, next_attempt_at: this.o.now() + delay, last_error: message, lease_token: null });
        this.o.log.warn('notification failed, will retry', { id: r.id, channel: r.channel, kind: r.kind, attempts, err: message });
      }
    }
  }
}
