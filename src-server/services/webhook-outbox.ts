import { randomBytes } from 'node:crypto';
import type { Updateable } from 'kysely';
import type { ServerContext } from '../context';
import { skipLocked } from '../store/dialect';
import type { WebhookDeliveriesTable } from '../store/schema';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook, webhookTarget } from './webhooks';

export interface WebhookOutboxOptions {
  /** First retry delay, ms; doubles per attempt up to maxDelayMs (with equal jitter). Default 5 s. */
  baseDelayMs?: number;
  /** Default 30 min. */
  maxDelayMs?: number;
  /** Attempts before a delivery is given up (`dead`). Default 12 (about a day with the defaults). */
  maxAttempts?: number;
  /** How often due rows are looked for, ms. Default 1 s. */
  pollMs?: number;
  /** Per-request timeout, ms; a claim's lease is twice this. Default 10 s. */
  timeoutMs?: number;
  /** At most this many requests in flight per claim round. Default 20. */
  batch?: number;
}

interface Claimed {
  id: number;
  key_id: string;
  event_id: string;
  body: string;
  attempts: number;
  lease: string;
}

/**
 * Delivers queued carrier webhooks (ADR alerts-webhooks): each row claimed in one transaction with
 * `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL: instances take disjoint rows and never wait on each other) and a lease
 * (next_attempt_at pushed past the request timeout, a fresh lease_token), as the notification outbox does; the outcome is
 * recorded only while the row still carries our token. 2xx = delivered; anything else (an error status, a refused
 * connection, a timeout) is retried with capped exponential backoff, then given up. The target (URL, secret) is read at
 * send time, so fixing a wrong URL lets the pending retries through.
 */
export class WebhookOutbox {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly shutdown = new AbortController();
  private readonly o: Required<WebhookOutboxOptions>;

  constructor(
    private readonly ctx: ServerContext,
    o: WebhookOutboxOptions = {},
  ) {
    this.o = { baseDelayMs: 5_000, maxDelayMs: 30 * 60_000, maxAttempts: 12, pollMs: 1_000, timeoutMs: 10_000, batch: 20, ...o };
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.pollMs);
    this.timer.unref();
  }

  /** Look for due rows now (one round at a time; a kick during a round asks for one more). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.round();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.ctx.log.error('webhook outbox round failed', { err: (err as Error).message });
      } finally {
        this.running = null;
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.shutdown.abort();
    await this.running;
  }

  private async round(): Promise<void> {
    const { store } = this.ctx;
    const now = this.ctx.now();
    const lease = randomBytes(9).toString('base64url');
    const rows: Claimed[] = await store.tx(async (q) => {
      const picked = await skipLocked(
        store.dialect,
        q
          .selectFrom('webhook_deliveries')
          .select(['id', 'key_id', 'event_id', 'body', 'attempts'])
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          // In order per parcel and receiver: a row waits while an earlier one of the same (key, parcel) is still
          // pending (leased elsewhere, or waiting for its retry), so a carrier never hears `collected` before
          // `expired`. Only that parcel's later events wait; a given-up (`dead`) row lets them go.
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('webhook_deliveries as e')
                  .select('e.id')
                  .whereRef('e.key_id', '=', 'webhook_deliveries.key_id')
                  .whereRef('e.parcel_id', '=', 'webhook_deliveries.parcel_id')
                  .where('e.status', '=', 'pending')
                  .whereRef('e.id', '<', 'webhook_deliveries.id'),
              ),
            ),
          )
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(this.o.batch),
      ).execute();
      if (picked.length === 0) return [];
      await q
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: now + 2 * this.o.timeoutMs, lease_token: lease })
        .where('id', 'in', picked.map((r) => Number(r.id)))
        .execute();
      return picked.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts), lease }));
    });
    const sent = await Promise.all(rows.map((r) => this.deliver(r).catch(() => false)));
    // A full batch may have left due rows; a sent row may have a parcel's next event waiting behind it.
    if (rows.length === this.o.batch || sent.some(Boolean)) this.again = true;
  }

  /** Sends one claimed row and records the outcome; true when the receiver took it (2xx). */
  private async deliver(r: Claimed): Promise<boolean> {
    const { store, log } = this.ctx;
    const update = (set: Updateable<WebhookDeliveriesTable>) =>
      store.db.updateTable('webhook_deliveries').set(set).where('id', '=', r.id).where('lease_token', '=', r.lease).execute();
    const target = await webhookTarget(this.ctx, store.db, r.key_id);
    if (!target) {
      await update({ status: 'dead', last_error: 'the carrier key has no webhook (removed or key revoked)', lease_token: null });
      return false;
    }
    let httpStatus: number | null = null;
    try {
      const t = this.ctx.now();
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'locker-fleet-webhooks/1', [EVENT_ID_HEADER]: r.event_id, [SIGNATURE_HEADER]: signWebhook(target.secret, r.body, t) },
        body: r.body,
        redirect: 'manual', // a redirect is not a delivery (and must not carry the signed body elsewhere)
        signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), this.shutdown.signal]),
      });
      httpStatus = res.status;
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299) throw new Error(`receiver answered ${res.status}`);
      await update({ status: 'sent', attempts: r.attempts + 1, sent_at: this.ctx.now(), last_status: httpStatus, last_error: null, lease_token: null });
      return true;
    } catch (err) {
      if (this.shutdown.signal.aborted) {
        // Interrupted, not failed: due again at once for whoever runs next (the receiver may have it: at-least-once).
        await update({ next_attempt_at: this.ctx.now(), lease_token: null, last_error: 'interrupted by shutdown' });
        return false;
      }
      const message = String((err as Error).message ?? err).slice(0, 300);
      const attempts = r.attempts + 1;
      if (attempts >= this.o.maxAttempts) {
        await update({ status: 'dead', attempts, last_status: httpStatus, last_error: message, lease_token: null });
        log.error('webhook given up', { id: r.id, keyId: r.key_id, attempts, err: message });
      } else {
        const exp = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempts - 1));
        const delay = Math.round(exp / 2 + Math.random() * (exp / 2));
        await update({ attempts, next_attempt_at: this.ctx.now() + delay, last_status: httpStatus, last_error: message, lease_token: null });
        log.warn('webhook failed, will retry', { id: r.id, keyId: r.key_id, attempts, err: message });
      }
      return false;
    }
  }
}
