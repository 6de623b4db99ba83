import type { ParcelView } from '../../src-shared/sync-protocol';
import { DAY_MS, iso, isoOrNull, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { dropPendingNotifications } from '../notify/outbox';
import { lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import { appendChange } from './manifest-log';
import { ACTIVE, type ParcelRow } from './shipments';
import { queueWebhook } from './webhooks';

/**
 * Cancel, extend and view ONE parcel, named by its id (issue 12 red-team finding 1). A barcode is not a parcel: a
 * returned or re-sent barcode belongs to an old finished parcel and a live one at once, so every action resolves the
 * parcel once (by id from the console; by barcode, scoped to the caller, from the carrier API: auth/carrier-keys.ts)
 * and from then on carries its id. An action on a parcel in the wrong state is refused (INVALID_STATE, 409) and never
 * moves on to a namesake.
 */

/** A barcode lookup's scope: a carrier key sees only its carrier's parcels; undefined = every parcel (admin key). */
export interface BarcodeScope {
  carrier?: string;
}

/**
 * The parcel a barcode means: the most recent one still active, else the most recent one (within `scope`'s carrier
 * when given); `lock` takes its row lock (PostgreSQL).
 */
export async function findParcelByBarcode(ctx: ServerContext, q: Q, barcode: string, lock = false, scope: BarcodeScope = {}): Promise<ParcelRow | undefined> {
  let base = q
    .selectFrom('parcels')
    .selectAll()
    .where('barcode', '=', barcode)
    .orderBy((eb) => eb.case().when('status', 'in', ACTIVE).then(1).else(0).end(), 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1);
  if (scope.carrier !== undefined) base = base.where('carrier', '=', scope.carrier);
  return (lock ? lockRows(ctx.store.dialect, base) : base).executeTakeFirst();
}

async function byId(q: Q, parcelId: string): Promise<ParcelRow> {
  const p = await q.selectFrom('parcels').selectAll().where('id', '=', parcelId).executeTakeFirst();
  if (!p) throw new HttpError('NOT_FOUND', `no parcel ${parcelId}`);
  return p;
}

/** The refusal of an action on a parcel whose state does not allow it: names the parcel acted on, never another. */
export function wrongState(p: Pick<ParcelRow, 'id' | 'barcode'>, status: string, allowed: string): HttpError {
  return new HttpError('INVALID_STATE', `parcel ${p.barcode} (${p.id}) is ${status}; ${allowed}`);
}

/**
 * Cancels the expected parcel `parcelId`, inside the caller's transaction `q` (the console audits in the same one).
 * The status change is conditional (`… WHERE id = ? AND status = 'expected' RETURNING`): racing a deposit or a second
 * cancel on another instance, exactly one wins and only the winner appends to the manifest. Errors: NOT_FOUND,
 * INVALID_STATE (this parcel is not expected; no other parcel is touched).
 */
export async function cancelParcel(ctx: ServerContext, q: Q, parcelId: string): Promise<ParcelRow> {
  const p = await byId(q, parcelId);
  const now = ctx.now();
  const won = await q
    .updateTable('parcels')
    .set({ status: 'cancelled', cancel_reason: 'carrier', cancelled_at: now, updated_at: now })
    .where('id', '=', p.id)
    .where('status', '=', 'expected')
    .returning('id')
    .executeTakeFirst();
  if (!won) {
    const cur = await byId(q, p.id);
    throw wrongState(p, cur.status, 'only an expected parcel can be cancelled');
  }
  await appendChange(ctx, q, p.kiosk_id, 'cancelled', { parcelId: p.id, barcode: p.barcode, cancelledAt: iso(now), reason: 'carrier' });
  await queueWebhook(ctx, q, p.id, 'cancelled');
  return p;
}

const MAX_WINDOW_DAYS = 60;

/**
 * Gives the expected or deposited parcel `parcelId` `days` more, inside the caller's transaction `q`. One conditional
 * update does the arithmetic in the database (`pickup_window_days = pickup_window_days + days … WHERE id = ? AND status
 * IN ('expected','deposited') AND the result fits`), so two extensions add up instead of one overwriting the other, and
 * an extension racing the sweep or a pickup on another instance either applies to the parcel as it is at commit or is
 * refused. Errors: NOT_FOUND, INVALID_STATE (wrong state, or past MAX_WINDOW_DAYS).
 */
export async function extendParcel(ctx: ServerContext, q: Q, parcelId: string, days: number): Promise<ParcelRow> {
  const p = await byId(q, parcelId);
  const now = ctx.now();
  const won = await q
    .updateTable('parcels')
    .set((eb) => ({
      pickup_window_days: eb('pickup_window_days', '+', days),
      expires_at: eb.case().when('status', '=', 'deposited').then(eb('expires_at', '+', days * DAY_MS)).else(eb.ref('expires_at')).end(),
      reminder_queued_at: null,
      updated_at: now,
    }))
    .where('id', '=', p.id)
    .where('status', 'in', ['expected', 'deposited'])
    .where('pickup_window_days', '<=', MAX_WINDOW_DAYS - days)
    .returning(['status', 'pickup_window_days', 'expires_at'])
    .executeTakeFirst();
  if (!won) {
    const cur = await byId(q, p.id);
    if (cur.status !== 'expected' && cur.status !== 'deposited') throw wrongState(p, cur.status, 'only an expected or deposited parcel can be extended');
    throw new HttpError('INVALID_STATE', `a parcel may wait at most ${MAX_WINDOW_DAYS} days`);
  }
  const expiresAt = won.status === 'deposited' ? won.expires_at : null;
  // A reminder not yet delivered would announce the old date; the sweep queues one for the new date when it is due.
  if (expiresAt !== null) await dropPendingNotifications(q, p.id, ['reminder'], 'expiry extended');
  await appendChange(ctx, q, p.kiosk_id, 'extended', { parcelId: p.id, barcode: p.barcode, pickupWindowDays: won.pickup_window_days, expiresAt: isoOrNull(expiresAt) });
  return p;
}

/** Cancels the parcel a barcode means (the embedded API's shortcut; HTTP routes resolve the parcel themselves). */
export async function cancelShipment(ctx: ServerContext, barcode: string): Promise<ParcelView> {
  const p = await barcodeOr404(ctx, barcode);
  await ctx.store.tx((q) => cancelParcel(ctx, q, p.id));
  return parcelView(ctx, p.id);
}

/** Extends the parcel a barcode means (the embedded API's shortcut). */
export async function extendShipment(ctx: ServerContext, barcode: string, days: number): Promise<ParcelView> {
  const p = await barcodeOr404(ctx, barcode);
  await ctx.store.tx((q) => extendParcel(ctx, q, p.id, days));
  return parcelView(ctx, p.id);
}

/** The view of the parcel a barcode means, or undefined. */
export async function parcelViewByBarcode(ctx: ServerContext, barcode: string): Promise<ParcelView | undefined> {
  const p = await findParcelByBarcode(ctx, ctx.store.db, barcode);
  return p ? parcelView(ctx, p.id) : undefined;
}

async function barcodeOr404(ctx: ServerContext, barcode: string): Promise<ParcelRow> {
  const p = await findParcelByBarcode(ctx, ctx.store.db, barcode);
  if (!p) throw new HttpError('NOT_FOUND', `no parcel with barcode ${barcode}`);
  return p;
}

/** The carrier API's view of parcel `parcelId` (as it is now). NOT_FOUND if there is none. */
export async function parcelView(ctx: ServerContext, parcelId: string): Promise<ParcelView> {
  const q = ctx.store.db;
  const p = await byId(q, parcelId);
  const notifications = (await q
    .selectFrom('notifications')
    .select(['kind', 'channel', 'status', 'attempts'])
    .where('parcel_id', '=', p.id)
    .orderBy('id')
    .execute()) as ParcelView['notifications'];
  return {
    parcelId: p.id,
    barcode: p.barcode,
    kioskId: p.kiosk_id,
    size: p.size,
    status: p.status,
    accessible: p.accessible === 1,
    compartmentId: p.compartment_id,
    pickupWindowDays: p.pickup_window_days,
    createdAt: iso(p.created_at),
    depositedAt: isoOrNull(p.deposited_at),
    expiresAt: isoOrNull(p.expires_at),
    pickedUpAt: isoOrNull(p.picked_up_at),
    cancelledAt: isoOrNull(p.cancelled_at),
    cancelReason: p.status === 'cancelled' ? p.cancel_reason : null,
    conflict: p.conflict,
    direction: p.direction,
    ...(p.direction === 'out' ? { destinationRef: p.destination_ref, dropoffDeadline: isoOrNull(p.dropoff_deadline), receipt: p.receipt } : {}),
    notifications,
  };
}
