import { iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { dropPendingNotifications } from '../notify/outbox';
import { sql } from 'kysely';
import { isUniqueViolation, lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import type { ParcelsTable } from '../store/schema';
import { appendChange } from './manifest-log';
import { queueWebhook } from './webhooks';

/** What marking a parcel for return did: `cancelled` (it had not arrived) or `awaiting_collection` (it is inside). */
export interface MarkedForReturn {
  parcelId: string;
  outcome: 'cancelled' | 'awaiting_collection';
}

/**
 * Marks a parcel for return to sender (issue 12, ADR return-reenroll), inside the caller's transaction `q` (the caller
 * audits it in the same one). By status:
 * - expected: cancelled for delivery (`cancel_reason = return_to_sender`); the kiosk learns it as a cancellation, so the
 *   driver's scan is refused, and the carrier hears `returned` now (the parcel never left its hands);
 * - deposited / expired: server status `expired` (no reminder, no extension, no new code), and a `returned` manifest
 *   entry: the kiosk stops opening it by code and lists it for the driver's collection; the carrier hears `returned`
 *   when the kiosk reports it collected (services/events.ts). Pending code / reminder / expiry messages are dropped.
 * Errors: NOT_FOUND, INVALID_STATE (already marked, or picked up / collected / cancelled: nothing left to return).
 */
export async function markForReturn(ctx: ServerContext, q: Q, parcelId: string): Promise<MarkedForReturn> {
  const p = await lockRows(ctx.store.dialect, q.selectFrom('parcels').selectAll().where('id', '=', parcelId)).executeTakeFirst();
  if (!p) throw new HttpError('NOT_FOUND', `no parcel ${parcelId}`);
  if (p.return_requested_at !== null) throw new HttpError('INVALID_STATE', `parcel ${p.barcode} is already marked for return to sender`);
  const now = ctx.now();
  const update = (set: Partial<Omit<ParcelsTable, 'id'>>) => q.updateTable('parcels').set({ ...set, return_requested_at: now, updated_at: now }).where('id', '=', p.id).execute();
  if (p.status === 'expected') {
    await update({ status: 'cancelled', cancel_reason: 'return_to_sender', cancelled_at: now, code_sealed: null });
    await appendChange(ctx, q, p.kiosk_id, 'cancelled', { parcelId: p.id, barcode: p.barcode, cancelledAt: iso(now), reason: 'return_to_sender' });
    await queueWebhook(ctx, q, p.id, 'returned');
    return { parcelId: p.id, outcome: 'cancelled' };
  }
  if (p.status === 'deposited' || p.status === 'expired') {
    await update({ status: 'expired', expired_at: p.expired_at ?? now, code_sealed: null, reminder_queued_at: p.reminder_queued_at ?? now });
    await dropPendingNotifications(q, p.id, ['code', 'reminder', 'expired'], 'marked for return to sender');
    await appendChange(ctx, q, p.kiosk_id, 'returned', { parcelId: p.id, barcode: p.barcode, requestedAt: iso(now) });
    return { parcelId: p.id, outcome: 'awaiting_collection' };
  }
  throw new HttpError('INVALID_STATE', `parcel ${p.barcode} is ${p.status}; only an expected, deposited or expired parcel can be returned to sender`);
}

/**
 * A kiosk's deposit of a parcel that was marked for return while still expected (the driver put it in before the kiosk
 * heard of the cancellation): the physical fact stands, but it stays a return. It becomes `expired` in that compartment
 * (no code message: the code would open nothing), and a `returned` entry tells the kiosk to keep it for collection.
 * Under a savepoint, as any re-activation: a barcode active again as a newer parcel refuses it (parcels_active_barcode),
 * and then the deposit is only noted on the parcel for an operator. Returns the event's outcome note.
 */
export async function depositOfReturn(ctx: ServerContext, q: Q, p: ParcelsTable, at: { depositedAt: number; compartmentId: string; expiresAt: number }): Promise<string> {
  const now = ctx.now();
  const place = { deposited_at: at.depositedAt, compartment_id: at.compartmentId, updated_at: now };
  await sql`SAVEPOINT return_deposit`.execute(q);
  try {
    await q
      .updateTable('parcels')
      .set({ ...place, status: 'expired', expires_at: at.expiresAt, expired_at: now, code_sealed: null, conflict: 'deposited after it was marked for return to sender; kept for collection' })
      .where('id', '=', p.id)
      .execute();
    await appendChange(ctx, q, p.kiosk_id, 'returned', { parcelId: p.id, barcode: p.barcode, requestedAt: iso(p.return_requested_at ?? now) });
    await sql`RELEASE return_deposit`.execute(q);
    return 'marked for return to sender: kept in the compartment for collection';
  } catch (err) {
    await sql`ROLLBACK TO return_deposit`.execute(q);
    await sql`RELEASE return_deposit`.execute(q);
    if (!isUniqueViolation(err, 'parcels_active_barcode')) throw err;
    const note = `deposited in ${at.compartmentId} after it was marked for return, while its barcode is active as a newer parcel: an operator must resolve`;
    await q.updateTable('parcels').set({ ...place, conflict: note }).where('id', '=', p.id).execute();
    return note;
  }
}
