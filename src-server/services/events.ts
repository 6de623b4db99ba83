import type { EventsResponse, SyncEvent, SyncEventOf } from '../../src-shared/sync-protocol';
import { DAY_MS, iso, type ServerContext } from '../context';
import { lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import type { ParcelsTable } from '../store/schema';
import { appendChange } from './manifest-log';
import { ACTIVE, codeContext, type ParcelRow } from './shipments';
import { dropPendingNotifications, enqueueNotification } from '../notify/outbox';

type Outcome = EventsResponse['results'][number]['outcome'];
interface Applied {
  outcome: Outcome;
  note?: string;
}

type ParcelEvent = SyncEventOf<'parcel.deposited' | 'parcel.picked_up' | 'parcel.expired' | 'parcel.collected' | 'parcel.kept_by_driver'>;

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
  await q
    .updateTable('kiosks')
    .set((eb) => ({ last_seen_at: now, events_received: eb('events_received', '+', fresh) }))
    .where('id', '=', kioskId)
    .execute();
  return { acked: results.map((r) => r.id), results, queued };
}

async function applyOne(ctx: ServerContext, q: Q, kioskId: string, e: SyncEvent, queued: (n: number) => void): Promise<Applied> {
  switch (e.type) {
    case 'parcel.deposited':
    case 'parcel.picked_up':
    case 'parcel.expired':
    case 'parcel.collected':
    case 'parcel.kept_by_driver':
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
      // codes.failed: stored for the console's alert (issue: console); the server has nothing to update yet.
      // Facts for the fleet's records (and the fleet page via heartbeat faults); nothing to update. A clock.jumped is
      // kept so an operator can explain a kiosk's odd event times.
      return { outcome: 'recorded' };
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
      // The kiosk computed its expiry from the window it knew. If the carrier extended the (then expected) parcel
      // while the kiosk was offline, the longer promise stands: take it, and tell the kiosk (absolute, ADR 0003).
      // Compared in whole days from the kiosk's own deposit instant (its expiry minus its window), so the extra days
      // land exactly where the kiosk puts them (depositedAt + window) whatever the event's occurredAt jitter.
      const kioskExpiry = Date.parse(e.payload.expiresAt);
      const kioskWindowDays = Math.round((kioskExpiry - at) / DAY_MS);
      const expiresAt = kioskExpiry + Math.max(0, p.pickup_window_days - kioskWindowDays) * DAY_MS;
      if (expiresAt > kioskExpiry) {
        await appendChange(ctx, q, kioskId, 'extended', { parcelId: p.id, barcode: p.barcode, pickupWindowDays: p.pickup_window_days, expiresAt: iso(expiresAt) });
      }
      await update({ status: 'deposited', deposited_at: at, compartment_id: e.payload.compartmentId, expires_at: expiresAt });
      const after = { ...p, status: 'deposited' as const, deposited_at: at, compartment_id: e.payload.compartmentId, expires_at: expiresAt };
      if (p.code_sealed) {
        queued(await enqueueNotification(ctx, q, after, 'code', ctx.keys.vault.open(p.code_sealed, codeContext(p.id))));
        // The code now lives only inside the sealed messages, which are wiped once sent.
        await update({ code_sealed: null });
      } else {
        ctx.log.warn('deposit without a code to send', { parcelId: p.id });
      }
      if (p.status === 'cancelled') {
        await conflict('deposited after the server cancelled it; the deposit stands');
        return { outcome: 'conflict', note: 'parcel was cancelled; deposit recorded and the recipient notified' };
      }
      return { outcome: 'applied' };
    }
    case 'parcel.picked_up': {
      if (p.status === 'deposited' || p.status === 'expired') {
        await update({ status: 'picked_up', picked_up_at: at, code_sealed: null });
        await dropPendingNotifications(q, p.id, ['reminder', 'expired'], 'picked up');
        return { outcome: 'applied' };
      }
      if (p.status === 'expected' || p.status === 'cancelled') {
        await update({ status: 'picked_up', picked_up_at: at, compartment_id: e.payload.compartmentId, code_sealed: null });
        await conflict(`picked up while the server had it ${p.status}`);
        return { outcome: 'conflict', note: `server had it ${p.status}` };
      }
      return { outcome: 'recorded', note: `already ${p.status}` };
    }
    case 'parcel.expired': {
      if (p.status !== 'deposited') return { outcome: 'recorded', note: `server has it ${p.status}` };
      await update({ status: 'expired', expired_at: at });
      await dropPendingNotifications(q, p.id, ['reminder'], 'expired');
      queued(await enqueueNotification(ctx, q, { ...p, status: 'expired' }, 'expired'));
      return { outcome: 'applied' };
    }
    case 'parcel.collected': {
      if (p.status === 'expired' || p.status === 'deposited') {
        await update({ status: 'collected', collected_at: at, code_sealed: null });
        await dropPendingNotifications(q, p.id, ['reminder'], 'collected');
        return { outcome: 'applied' };
      }
      if (p.status === 'expected' || p.status === 'cancelled') {
        await update({ status: 'collected', collected_at: at, code_sealed: null });
        await conflict(`collected while the server had it ${p.status}`);
        return { outcome: 'conflict', note: `server had it ${p.status}` };
      }
      return { outcome: 'recorded', note: `already ${p.status}` };
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
