import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServerContext } from '../context';
import { HttpError } from '../http/errors';
import type { Q } from '../store/db';
import type { WebhookDeliveriesTable } from '../store/schema';

/**
 * Carrier status webhooks (issue 12; ADR alerts-webhooks). A carrier key may carry a webhook: a URL and a secret. When
 * one of its carrier's parcels changes status, a delivery row is queued IN THE SAME TRANSACTION as the change (so a
 * change is never announced without happening, nor happens without being announced) and services/webhook-outbox.ts
 * POSTs it, signed, with retries. Receivers get at-least-once delivery and dedupe on `x-locker-event-id`.
 */
/** `dropped_off`: a sender put a drop-off into the kiosk (ADR drop-offs); it is `collected` when a driver takes it. */
export const WEBHOOK_EVENTS = ['deposited', 'picked_up', 'expired', 'collected', 'cancelled', 'returned', 'dropped_off'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The header carrying the signature: `t=<unix ms>,v1=<hex HMAC-SHA-256(secret, t + "." + body)>`. */
export const SIGNATURE_HEADER = 'x-locker-signature';
export const EVENT_ID_HEADER = 'x-locker-event-id';

/** Signs one attempt. The timestamp is the attempt's, so a receiver can refuse a replayed old request (say > 5 min). */
export function signWebhook(secret: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex')}`;
}

const secretContext = (keyId: string) => `webhook-secret:${keyId}`;

export const SetWebhook = z
  .object({
    url: z
      .string()
      .trim()
      .max(500)
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'http or https only'),
    /** Omitted: the server generates one (32 random bytes) and returns it once. */
    secret: z.string().min(24).max(200).optional(),
  })
  .strict();

/** Sets (or replaces) a key's webhook. Returns the secret once; it is kept sealed under the data key, never shown again. */
export async function setWebhook(ctx: ServerContext, q: Q, keyId: string, input: z.output<typeof SetWebhook>): Promise<{ keyId: string; url: string; secret: string }> {
  const secret = input.secret ?? 'whsec_' + randomBytes(32).toString('base64url');
  const r = await q
    .updateTable('carrier_keys')
    .set({ webhook_url: input.url, webhook_secret_sealed: ctx.keys.vault.seal(secret, secretContext(keyId)) })
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!r) throw new HttpError('NOT_FOUND', `no active carrier key ${keyId}`);
  return { keyId, url: input.url, secret };
}

/** Removes a key's webhook; its pending deliveries are given up by the outbox (it finds no URL). */
export async function clearWebhook(q: Q, keyId: string): Promise<void> {
  const r = await q.updateTable('carrier_keys').set({ webhook_url: null, webhook_secret_sealed: null }).where('id', '=', keyId).returning('id').executeTakeFirst();
  if (!r) throw new HttpError('NOT_FOUND', `no carrier key ${keyId}`);
}

/** The key's current webhook target and secret, or null (none, or the key was revoked). For the outbox. */
export async function webhookTarget(ctx: ServerContext, q: Q, keyId: string): Promise<{ url: string; secret: string } | null> {
  const k = await q.selectFrom('carrier_keys').select(['webhook_url', 'webhook_secret_sealed', 'revoked_at']).where('id', '=', keyId).executeTakeFirst();
  if (!k || k.revoked_at !== null || !k.webhook_url || !k.webhook_secret_sealed) return null;
  return { url: k.webhook_url, secret: ctx.keys.vault.open(k.webhook_secret_sealed, secretContext(keyId)) };
}

const isoOr = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Queues `event` for parcel `parcelId` to every active webhook of the parcel's carrier, inside the caller's transaction,
 * after the status change was written (the body is the parcel as it now is: no code, no recipient address). A parcel
 * created with the bootstrap admin key has no carrier and announces nothing. Idempotent per (key, parcel, event).
 * Returns how many deliveries were queued.
 */
export async function queueWebhook(ctx: ServerContext, q: Q, parcelId: string, event: WebhookEvent): Promise<number> {
  const p = await q.selectFrom('parcels').selectAll().where('id', '=', parcelId).executeTakeFirst();
  if (!p?.carrier) return 0;
  const keys = await q.selectFrom('carrier_keys').select('id').where('carrier', '=', p.carrier).where('revoked_at', 'is', null).where('webhook_url', 'is not', null).execute();
  const now = ctx.now();
  let n = 0;
  for (const k of keys) {
    const eventId = randomUUID();
    const body = JSON.stringify({
      id: eventId,
      type: `parcel.${event}`,
      at: new Date(now).toISOString(),
      parcel: {
        id: p.id,
        barcode: p.barcode,
        kioskId: p.kiosk_id,
        status: p.status,
        compartmentId: p.compartment_id,
        depositedAt: isoOr(p.deposited_at),
        expiresAt: isoOr(p.expires_at),
        pickedUpAt: isoOr(p.picked_up_at),
        collectedAt: isoOr(p.collected_at),
        cancelledAt: isoOr(p.cancelled_at),
        cancelReason: p.status === 'cancelled' ? p.cancel_reason : null,
        // Drop-offs (ADR drop-offs): which way it goes, where to, and the receipt the sender was shown.
        direction: p.direction,
        ...(p.direction === 'out' ? { destinationRef: p.destination_ref, receipt: p.receipt } : {}),
      },
    });
    const r = await q
      .insertInto('webhook_deliveries')
      .values({ key_id: k.id, parcel_id: p.id, event, event_id: eventId, body, status: 'pending', next_attempt_at: now, last_error: null, last_status: null, created_at: now, sent_at: null, lease_token: null })
      .onConflict((oc) => oc.columns(['key_id', 'parcel_id', 'event']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (r) n++;
  }
  return n;
}

export interface WebhookDeliveryView {
  id: number;
  keyId: string;
  carrier: string;
  url: string | null;
  event: WebhookEvent;
  eventId: string;
  parcelId: string;
  barcode: string | null;
  status: WebhookDeliveriesTable['status'];
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  nextAttemptAt: string | null;
}

/** The delivery log, newest first (optionally one key's). */
export async function listDeliveries(q: Q, o: { keyId?: string | undefined; limit: number }): Promise<WebhookDeliveryView[]> {
  const rows = await q
    .selectFrom('webhook_deliveries as d')
    .innerJoin('carrier_keys as k', 'k.id', 'd.key_id')
    .leftJoin('parcels as p', 'p.id', 'd.parcel_id')
    .select(['d.id', 'd.key_id', 'k.carrier', 'k.webhook_url', 'd.event', 'd.event_id', 'd.parcel_id', 'p.barcode', 'd.status', 'd.attempts', 'd.last_status', 'd.last_error', 'd.created_at', 'd.sent_at', 'd.next_attempt_at'])
    .$if(o.keyId !== undefined, (qb) => qb.where('d.key_id', '=', o.keyId!))
    .orderBy('d.id', 'desc')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    keyId: r.key_id,
    carrier: r.carrier,
    url: r.webhook_url,
    event: r.event,
    eventId: r.event_id,
    parcelId: r.parcel_id,
    barcode: r.barcode,
    status: r.status,
    attempts: Number(r.attempts),
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: new Date(Number(r.created_at)).toISOString(),
    sentAt: r.sent_at === null ? null : new Date(Number(r.sent_at)).toISOString(),
    nextAttemptAt: r.status === 'pending' ? new Date(Number(r.next_attempt_at)).toISOString() : null,
  }));
}
