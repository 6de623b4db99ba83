import { DAY_MS, iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { dropPendingNotifications } from '../notify/outbox';
import { lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import { expectedDemand, kioskSupply } from './shipments';
import { appendChange } from './manifest-log';

/**
 * Why the link page refused a request; the page says it in words. `NOT_WAITING`: not (or no longer) in a compartment,
 * or past its deadline;
 * `ALREADY_EXTENDED`: the one extension is used; `TOO_MANY_DAYS`: more than the configured maximum; `LOCKER_FULL`: the
 * kiosk's free compartments of this size, after expected parcels, are below the floor; `NOT_EXPECTED`: a compartment
 * within reach can only be asked for before delivery.
 */
export type RefusalReason = 'NOT_WAITING' | 'ALREADY_EXTENDED' | 'TOO_MANY_DAYS' | 'LOCKER_FULL' | 'NOT_EXPECTED';

/** A recipient's request the rules refuse; nothing was changed. HTTP 409 (400 for TOO_MANY_DAYS). */
export class RecipientRefusal extends HttpError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(reason === 'TOO_MANY_DAYS' ? 'BAD_INPUT' : reason === 'LOCKER_FULL' ? 'NO_CAPACITY' : 'INVALID_STATE', message);
  }
}

const lockParcel = (ctx: ServerContext, q: Q, id: string) =>
  lockRows(ctx.store.dialect, q.selectFrom('parcels').selectAll().where('id', '=', id)).executeTakeFirst();

/**
 * The recipient's one extension (issue 13, "More time"): a deposited parcel waits `days` (1..extendMaxDays) longer.
 * Refused (RecipientRefusal, nothing changed) when it is not deposited or its deadline has passed (NOT_WAITING either
 * way), was already extended by its recipient, or the
 * kiosk's free compartments of its size minus the parcels of that size still expected are below `extendFreeFloor`
 * (a nearly full locker needs its compartments back). One transaction: the kiosk row is locked first, as intake does,
 * so the capacity read and the intake it competes with run one after the other; the update itself is conditional
 * (`… WHERE status = 'deposited' AND recipient_extended_at IS NULL RETURNING`), so two clicks on two instances extend
 * once. Then, like a carrier's extend: pending reminders for the old date are dropped and the kiosk's manifest gets an
 * `extended` entry with the new absolute expiry (pinged over MQTT after the commit). Returns the new expiry (ms).
 */
export async function extendByRecipient(ctx: ServerContext, parcelId: string, days: number): Promise<{ expiresAt: number }> {
  const max = ctx.customer.extendMaxDays;
  if (!Number.isInteger(days) || days < 1 || days > max) throw new RecipientRefusal('TOO_MANY_DAYS', `an extension is 1 to ${max} days`);
  return ctx.store.tx(async (q) => {
    const first = await q.selectFrom('parcels').select(['kiosk_id']).where('id', '=', parcelId).executeTakeFirst();
    if (!first) throw new HttpError('NOT_FOUND', 'no such parcel');
    const k = await lockRows(ctx.store.dialect, q.selectFrom('kiosks').select(['capacity_json', 'heartbeat_json', 'heartbeat_kiosk_time']).where('id', '=', first.kiosk_id)).executeTakeFirst();
    const p = await lockParcel(ctx, q, parcelId);
    if (!p || !k) throw new HttpError('NOT_FOUND', 'no such parcel');
    if (p.status !== 'deposited' || p.expires_at === null) throw new RecipientRefusal('NOT_WAITING', `parcel is ${p.status}; only a parcel waiting in its compartment can be extended`);
    // Past its deadline the kiosk treats it as expired (even offline, before its sweep or our event): an extension now
    // would spend the one allowed for nothing. Refused as for an expired parcel; the page shows it as past its date.
    if (p.expires_at <= ctx.now()) throw new RecipientRefusal('NOT_WAITING', `parcel's pickup deadline ${iso(p.expires_at)} has passed`);
    if (p.recipient_extended_at !== null) throw new RecipientRefusal('ALREADY_EXTENDED', 'the recipient has already extended this parcel once');
    const free = (await kioskSupply(q, p.kiosk_id, k))[p.size] - (await expectedDemand(q, p.kiosk_id))[p.size];
    if (free < ctx.customer.extendFreeFloor) {
      throw new RecipientRefusal('LOCKER_FULL', `kiosk ${p.kiosk_id} has ${Math.max(0, free)} free ${p.size} compartments after expected parcels (floor ${ctx.customer.extendFreeFloor})`);
    }
    const now = ctx.now();
    const won = await q
      .updateTable('parcels')
      .set((eb) => ({
        pickup_window_days: eb('pickup_window_days', '+', days),
        expires_at: eb('expires_at', '+', days * DAY_MS),
        recipient_extended_at: now,
        reminder_queued_at: null,
        updated_at: now,
      }))
      .where('id', '=', p.id)
      .where('status', '=', 'deposited')
      .where('recipient_extended_at', 'is', null)
      .returning(['pickup_window_days', 'expires_at'])
      .executeTakeFirst();
    if (!won || won.expires_at === null) throw new RecipientRefusal('ALREADY_EXTENDED', 'the recipient has already extended this parcel once');
    // A reminder not yet sent would announce the old date; the sweep queues one for the new date when it is due.
    await dropPendingNotifications(q, p.id, ['reminder'], 'expiry extended by the recipient');
    await appendChange(ctx, q, p.kiosk_id, 'extended', { parcelId: p.id, barcode: p.barcode, pickupWindowDays: won.pickup_window_days, expiresAt: iso(won.expires_at) });
    ctx.log.info('pickup window extended by the recipient', { parcelId: p.id, kioskId: p.kiosk_id, days });
    return { expiresAt: won.expires_at };
  });
}

/**
 * Before delivery, the recipient asks for a compartment within reach (issue 13): the parcel becomes `accessible` and its
 * kiosk is told by a `parcel_preferences` manifest entry, so the driver's allocation prefers low compartments
 * (src-main/domain/allocation.ts). Only while the parcel is expected (NOT_EXPECTED otherwise); asking twice changes
 * nothing the second time (no second manifest entry). Conditional update, so concurrent requests append once.
 */
export async function requestReach(ctx: ServerContext, parcelId: string): Promise<{ changed: boolean }> {
  return ctx.store.tx(async (q) => {
    const p = await lockParcel(ctx, q, parcelId);
    if (!p) throw new HttpError('NOT_FOUND', 'no such parcel');
    if (p.status !== 'expected') throw new RecipientRefusal('NOT_EXPECTED', `parcel is ${p.status}; a compartment within reach can be asked for before delivery only`);
    if (p.accessible === 1) return { changed: false };
    const won = await q
      .updateTable('parcels')
      .set({ accessible: 1, updated_at: ctx.now() })
      .where('id', '=', p.id)
      .where('status', '=', 'expected')
      .where('accessible', '=', 0)
      .returning('id')
      .executeTakeFirst();
    if (!won) return { changed: false };
    await appendChange(ctx, q, p.kiosk_id, 'parcel_preferences', { parcelId: p.id, barcode: p.barcode, accessible: true });
    ctx.log.info('recipient asked for a compartment within reach', { parcelId: p.id, kioskId: p.kiosk_id });
    return { changed: true };
  });
}
