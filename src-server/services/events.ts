import type { EventsResponse, SyncEvent, SyncEventOf } from '../../src-shared/sync-protocol';
import { recordCommandResult } from './commands';
import { DAY_MS, iso, type ServerContext } from '../context';
import { sql } from 'kysely';
import { isUniqueViolation, lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import type { ParcelsTable } from '../store/schema';
import { appendChange, latestExtension } from './manifest-log';
import { ACTIVE, codeContext, type ParcelRow } from './shipments';
import { dropPendingNotifications, enqueueNotification } from '../notify/outbox';
import { queueWebhook } from './webhooks';
import { raiseAlertForEvent } from './alerts';
import { depositOfReturn } from './returns';
import { kioskBack } from './kiosk-back';
import { applyDropoffDeposited } from './dropoffs';

type Outcome = EventsResponse['results'][number]['outcome'];
interface Applied {
  outcome: Outcome;
  note?: string;
}

type ParcelEvent = SyncEventOf<'parcel.deposited' | 'parcel.picked_up' | 'parcel.expired' | 'parcel.collected' | 'parcel.kept_by_driver' | 'parcel.expiry_corrected'>;

/**
 * Applies a batch of kiosk events in order, inside the caller's transaction `q`, each at most once: the event's UUID is
 * the primary key of `events` and the insert is `ON CONFLICT (id) DO NOTHING`, so a batch sent again (the kiosk never
 * saw our answer), to this instance or another, changes nothing and is acked again. Each parcel row is locked before it
 * is read (`FOR UPDATE` on PostgreSQL), so an event and a carrier's cancel or extend on another instance apply one
 * after the other. Every event is acked, whatever its outcome: a kiosk's physical fact is never refused (ADR 0003).
 * Call ctx.notificationsQueued() after the commit when `queued` > 0.
 */
export async function applyEvents(ctx: ServerContext, q: Q, kioskId: string, events: SyncEvent[]): Promise<EventsResponse & { queued: number }> {
  const now = ctx.now();
  const results: EventsResponse['results'] = [];
  let queued = 0;
  let fresh = 0;
  for (const e of events) {
    const inserted = await q
      .insertInto('events')
      .values({ id: e.id, kiosk_id: kioskId, type: e.type, occurred_at: Date.parse(e.occurredAt), received_at: now, payload: JSON.stringify(e.payload), outcome: 'pending' })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      results.push({ id: e.id, outcome: 'duplicate' });
      continue;
    }
    fresh++;
    const r = await applyOne(ctx, q, kioskId, e, (n) => (queued += n));
    await q.updateTable('events').set({ outcome: r.outcome, note: r.note ?? null }).where('id', '=', e.id).execute();
    results.push(r.note ? { id: e.id, outcome: r.outcome, note: r.note } : { id: e.id, outcome: r.outcome });
  }
  const seen = await q
    .updateTable('kiosks')
    .set((eb) => ({ last_seen_at: now, events_received: eb('events_received', '+', fresh) }))
    .where('id', '=', kioskId)
    .returning('offline_item')
    .executeTakeFirst();
  // The first contact after an offline alert: "back online" (ADR return-reenroll).
  if (seen?.offline_item) queued += await kioskBack(ctx, q, kioskId, seen.offline_item, now);
  return { acked: results.map((r) => r.id), results, queued };
}

async function applyOne(ctx: ServerContext, q: Q, kioskId: string, e: SyncEvent, queued: (n: number) => void): Promise<Applied> {
  switch (e.type) {
    case 'parcel.deposited':
    case 'parcel.picked_up':
    case 'parcel.expired':
    case 'parcel.collected':
    case 'parcel.kept_by_driver':
    case 'parcel.expiry_corrected':
      return applyParcelEvent(ctx, q, kioskId, e, queued);
    case 'problem.reported':
    case 'compartment.out_of_service':
    case 'compartment.in_service':
    case 'door.forced_open':
    case 'door.jammed':
    case 'door.left_open':
    case 'maintenance.door_opened':
    case 'clock.jumped':
    case 'codes.failed':
    case 'pin.lockout':
      // codes.failed, pin.lockout: stored for the console's alert (issue: console); the server has nothing to update yet.
      // Facts for the fleet's records (and the fleet page via heartbeat faults); nothing to update. A clock.jumped is
      // kept so an operator can explain a kiosk's odd event times. An alarm may alert people (ADR alerts-webhooks).
      queued(await raiseAlertForEvent(ctx, q, kioskId, e));
      return { outcome: 'recorded' };
    case 'command.result':
      return recordCommandResult(q, kioskId, e);
    case 'dropoff.deposited': {
      // A sender's parcel went in (ADR drop-offs): receipt message, `dropped_off` webhook, then it waits for a driver.
      const p = await findParcel(ctx, q, kioskId, e.payload);
      if (!p) return { outcome: 'recorded', note: 'unknown parcel' };
      const r = await applyDropoffDeposited(ctx, q, p, e);
      queued(r.queued);
      return r.note ? { outcome: r.outcome, note: r.note } : { outcome: r.outcome };
    }
    default: {
      const never: never = e;
      throw new Error(`unhandled event ${(never as SyncEvent).type}`);
    }
  }
}

/** The event's parcel, its row locked for the rest of the transaction (PostgreSQL). */
async function findParcel(ctx: ServerContext, q: Q, kioskId: string, ref: { parcelId?: string; barcode: string }): Promise<ParcelRow | undefined> {
  const base = q.selectFrom('parcels').selectAll().where('kiosk_id', '=', kioskId);
  const query = ref.parcelId
    ? base.where('id', '=', ref.parcelId)
    : base
        .where('barcode', '=', ref.barcode)
        .orderBy((eb) => eb.case().when('status', 'in', ACTIVE).then(1).else(0).end(), 'desc')
        .orderBy('created_at', 'desc')
        .limit(1);
  return lockRows(ctx.store.dialect, query).executeTakeFirst();
}

type DepositEvent = SyncEventOf<'parcel.deposited'>;

/**
 * The parcel is in a compartment: make it `deposited` with the expiry the kiosk promised (or the longer one a carrier's
 * extension gave it meanwhile) and queue the recipient's code. Throws the unique violation of parcels_active_barcode when
 * `p` was cancelled and its barcode is active again as a newer parcel (the caller's savepoint catches it).
 */
async function deposit(ctx: ServerContext, q: Q, kioskId: string, p: ParcelRow, e: DepositEvent, queued: (n: number) => void): Promise<void> {
  const at = Date.parse(e.occurredAt);
  const now = ctx.now();
  const update = (set: Partial<Omit<ParcelsTable, 'id'>>) => q.updateTable('parcels').set({ ...set, updated_at: now }).where('id', '=', p.id).execute();
  // The kiosk computed its expiry from the window it knew. If the carrier extended the (then expected) parcel
  // while the kiosk was offline, the longer promise stands: take it, and tell the kiosk (absolute, ADR 0003).
  // Compared in whole days from the kiosk's own deposit instant (its expiry minus its window), so the extra days
  // land exactly where the kiosk puts them (depositedAt + window) whatever the event's occurredAt jitter.
  const kioskExpiry = Date.parse(e.payload.expiresAt);
  const kioskWindowDays = Math.round((kioskExpiry - at) / DAY_MS);
  const expiresAt = kioskExpiry + Math.max(0, p.pickup_window_days - kioskWindowDays) * DAY_MS;
  // First: the one statement that can hit the unique index, before anything else is written.
  await update({ status: 'deposited', deposited_at: at, compartment_id: e.payload.compartmentId, expires_at: expiresAt });
  if (expiresAt > kioskExpiry) {
    await appendChange(ctx, q, kioskId, 'extended', { parcelId: p.id, barcode: p.barcode, pickupWindowDays: p.pickup_window_days, expiresAt: iso(expiresAt) });
  }
  const after = { ...p, status: 'deposited' as const, deposited_at: at, compartment_id: e.payload.compartmentId, expires_at: expiresAt };
  if (p.code_sealed) {
    queued(await enqueueNotification(ctx, q, after, 'code', ctx.keys.vault.open(p.code_sealed, codeContext(p.id))));
    // The code now lives only inside the sealed messages, which are wiped once sent.
    await update({ code_sealed: null });
  } else {
    ctx.log.warn('deposit without a code to send', { parcelId: p.id });
  }
  // The carrier's webhook (ADR alerts-webhooks), in this transaction (inside the re-activation's savepoint too).
  await queueWebhook(ctx, q, p.id, 'deposited');
}

/**
 * A deposit of a parcel the server had cancelled (a carrier's cancel, or released as never delivered): the physical
 * fact wins, the parcel is re-activated and its recipient gets the code, unless its barcode is active again as a newer
 * parcel. Then the unique index `parcels_active_barcode` refuses the re-activation: that is rolled back to a savepoint
 * (on PostgreSQL a failed statement would otherwise abort the whole batch's transaction, and the kiosk would be answered
 * 500 on every retry for ever), the deposit is recorded on the parcel as a conflict for an operator, and the event is
 * acked with outcome `conflict`.
 */
async function depositCancelled(ctx: ServerContext, q: Q, kioskId: string, p: ParcelRow, e: DepositEvent, queued: (n: number) => void): Promise<Applied> {
  const now = ctx.now();
  let sent = 0;
  await sql`SAVEPOINT reactivate`.execute(q);
  try {
    await deposit(ctx, q, kioskId, p, e, (n) => (sent += n));
    await sql`RELEASE reactivate`.execute(q);
  } catch (err) {
    await sql`ROLLBACK TO reactivate`.execute(q);
    await sql`RELEASE reactivate`.execute(q);
    if (!isUniqueViolation(err, 'parcels_active_barcode')) throw err;
    const newer = await q.selectFrom('parcels').select(['id', 'kiosk_id', 'status']).where('barcode', '=', p.barcode).where('status', 'in', ACTIVE).executeTakeFirst();
    const note = `deposited in ${e.payload.compartmentId} at ${kioskId} while barcode ${p.barcode} is active as newer parcel ${newer?.id ?? '?'} (${newer?.status ?? '?'} at ${newer?.kiosk_id ?? '?'}): not re-activated, an operator must resolve`;
    await q
      .updateTable('parcels')
      .set({ conflict: note, deposited_at: Date.parse(e.occurredAt), compartment_id: e.payload.compartmentId, updated_at: now })
      .where('id', '=', p.id)
      .execute();
    ctx.log.warn('deposit of a cancelled parcel whose barcode is active again: recorded as a conflict', { parcelId: p.id, newer: newer?.id });
    return { outcome: 'conflict', note };
  }
  queued(sent);
  const why = p.cancel_reason === 'not_delivered' ? 'released it as not delivered in time' : 'cancelled it';
  await q.updateTable('parcels').set({ conflict: `deposited after the server ${why}; the deposit stands` }).where('id', '=', p.id).execute();
  return { outcome: 'conflict', note: `parcel was ${p.cancel_reason === 'not_delivered' ? 'released (not delivered in time)' : 'cancelled'}; deposit recorded and the recipient notified` };
}

async function applyParcelEvent(ctx: ServerContext, q: Q, kioskId: string, e: ParcelEvent, queued: (n: number) => void): Promise<Applied> {
  const p = await findParcel(ctx, q, kioskId, e.payload);
  if (!p) return { outcome: 'recorded', note: 'unknown parcel' };
  const at = Date.parse(e.occurredAt);
  const now = ctx.now();
  const update = (set: Partial<Omit<ParcelsTable, 'id'>>) => q.updateTable('parcels').set({ ...set, updated_at: now }).where('id', '=', p.id).execute();
  const conflict = (note: string) => update({ conflict: note });

  switch (e.type) {
    case 'parcel.deposited': {
      if (p.status !== 'expected' && p.status !== 'cancelled') return { outcome: 'recorded', note: `already ${p.status}` };
      if (p.status === 'cancelled' && p.return_requested_at !== null) {
        // Marked for return before the kiosk heard of it (ADR return-reenroll): it stays a return, kept for collection.
        const at = { depositedAt: Date.parse(e.occurredAt), compartmentId: e.payload.compartmentId, expiresAt: Date.parse(e.payload.expiresAt) };
        return { outcome: 'conflict', note: await depositOfReturn(ctx, q, p, at) };
      }
      if (p.status === 'expected') {
        await deposit(ctx, q, kioskId, p, e, queued);
        return { outcome: 'applied' };
      }
      return depositCancelled(ctx, q, kioskId, p, e, queued);
    }
    case 'parcel.picked_up': {
      if (p.status === 'deposited' || p.status === 'expired') {
        await update({ status: 'picked_up', picked_up_at: at, code_sealed: null });
        await queueWebhook(ctx, q, p.id, 'picked_up');
        await dropPendingNotifications(q, p.id, ['reminder', 'expired'], 'picked up');
        return { outcome: 'applied' };
      }
      if (p.status === 'expected' || p.status === 'cancelled') {
        await update({ status: 'picked_up', picked_up_at: at, compartment_id: e.payload.compartmentId, code_sealed: null });
        await queueWebhook(ctx, q, p.id, 'picked_up');
        await conflict(`picked up while the server had it ${p.status}`);
        return { outcome: 'conflict', note: `server had it ${p.status}` };
      }
      return { outcome: 'recorded', note: `already ${p.status}` };
    }
    case 'parcel.expired': {
      if (p.status !== 'deposited') return { outcome: 'recorded', note: `server has it ${p.status}` };
      if (p.expires_at !== null && p.expires_at > at && p.expires_at > now && (await latestExtension(q, kioskId, p.id)) === p.expires_at) {
        // The kiosk expired it on a deadline it knew, while ours is later, still ahead, and set by an extension (the
        // recipient's or a carrier's) whose `extended` entry the kiosk had not yet applied. That promise stands: no expiry,
        // no message, no webhook; that entry brings the parcel back there (ADR 0003). Recorded for an operator.
        const note = `expired at the kiosk at ${iso(at)} on an older deadline; the server's deadline ${iso(p.expires_at)} (an extension the kiosk had not yet learned) stands`;
        await conflict(note);
        ctx.log.info('kiosk expiry superseded by a later deadline: not applied', { parcelId: p.id, kioskId });
        return { outcome: 'conflict', note };
      }
      await update({ status: 'expired', expired_at: at });
      await queueWebhook(ctx, q, p.id, 'expired');
      await dropPendingNotifications(q, p.id, ['reminder'], 'expired');
      queued(await enqueueNotification(ctx, q, { ...p, status: 'expired' }, 'expired'));
      return { outcome: 'applied' };
    }
    case 'parcel.collected': {
      if (p.status === 'deposited' && p.direction === 'in' && p.return_requested_at === null) {
        // A driver took back an inbound parcel the server never saw expire: its kiosk expired it on a deadline an
        // extension had superseded (the expiry was set aside above) before it learned the new one. The parcel is gone
        // all the same, so the recipient and the carrier learn it now, as at any expiry (red team 13b), and an
        // operator sees why.
        await update({ expired_at: at });
        await queueWebhook(ctx, q, p.id, 'expired');
        queued(await enqueueNotification(ctx, q, { ...p, status: 'expired' }, 'expired'));
        await conflict(`collected by a driver at ${iso(at)} while the server had it deposited until ${p.expires_at === null ? 'no deadline' : iso(p.expires_at)}: the recipient was told it went back`);
      }
      if (p.status === 'expired' || p.status === 'deposited') {
        await update({ status: 'collected', collected_at: at, code_sealed: null });
        // A parcel marked for return to sender is back with the carrier: `returned` (ADR return-reenroll).
        await queueWebhook(ctx, q, p.id, p.return_requested_at !== null ? 'returned' : 'collected');
        await dropPendingNotifications(q, p.id, ['reminder'], 'collected');
        return { outcome: 'applied' };
      }
      if (p.status === 'expected' || p.status === 'cancelled') {
        await update({ status: 'collected', collected_at: at, code_sealed: null });
        // A parcel marked for return to sender is back with the carrier: `returned` (ADR return-reenroll).
        await queueWebhook(ctx, q, p.id, p.return_requested_at !== null ? 'returned' : 'collected');
        await conflict(`collected while the server had it ${p.status}`);
        return { outcome: 'conflict', note: `server had it ${p.status}` };
      }
      return { outcome: 'recorded', note: `already ${p.status}` };
    }
    case 'parcel.expiry_corrected': {
      // The kiosk's clock was wrong when it stamped the deposit (or a bogus jump expired it): its corrected expiry.
      const expiresAt = Date.parse(e.payload.expiresAt);
      if (p.status === 'deposited') {
        await update({ expires_at: expiresAt });
        return { outcome: 'applied' };
      }
      if (p.status === 'expired' && expiresAt > now) {
        await update({ status: 'deposited', expires_at: expiresAt, expired_at: null });
        return { outcome: 'applied' };
      }
      return { outcome: 'recorded', note: `server has it ${p.status}` };
    }
    case 'parcel.kept_by_driver': {
      // It stays expected (the driver may bring it back); the carrier sees the fact via the events log.
      if (p.status === 'expected' || p.status === 'cancelled') {
        await update({ kept_by_driver_at: at });
        return { outcome: 'applied' };
      }
      return { outcome: 'recorded', note: `server has it ${p.status}` };
    }
    default: {
      const never: never = e;
      throw new Error(`unhandled parcel event ${(never as SyncEvent).type}`);
    }
  }
}
