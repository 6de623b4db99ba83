import type { EventsResponse, SyncEvent, SyncEventOf } from '../../src-shared/sync-protocol';
import { DAY_MS, iso, type ServerContext } from '../context';
import { appendChange } from './manifest-log';
import { codeContext, type ParcelRow } from './shipments';
import { dropPendingNotifications, enqueueNotification } from '../notify/outbox';

type Outcome = EventsResponse['results'][number]['outcome'];
interface Applied {
  outcome: Outcome;
  note?: string;
}

type ParcelEvent = SyncEventOf<'parcel.deposited' | 'parcel.picked_up' | 'parcel.expired' | 'parcel.collected' | 'parcel.kept_by_driver'>;

/**
 * Applies a batch of kiosk events in order, in one transaction, each at most once: the event's UUID is the
 * primary key of `events`, so a batch sent again (the kiosk never saw our answer) changes nothing and is acked
 * again. Every event is acked, whatever its outcome: a kiosk's physical fact is never refused (ADR 0003).
 */
export function applyEvents(ctx: ServerContext, kioskId: string, events: SyncEvent[]): EventsResponse {
  const now = ctx.now();
  const insert = ctx.db.prepare(
    `INSERT OR IGNORE INTO events (id, kiosk_id, type, occurred_at, received_at, payload, outcome) VALUES (?, ?, ?, ?, ?, ?, 'pending')`,
  );
  const setOutcome = ctx.db.prepare('UPDATE events SET outcome = ?, note = ? WHERE id = ?');
  const results: EventsResponse['results'] = [];
  let queued = 0;
  ctx.db.transaction(() => {
    for (const e of events) {
      const fresh = insert.run(e.id, kioskId, e.type, Date.parse(e.occurredAt), now, JSON.stringify(e.payload)).changes === 1;
      if (!fresh) {
        results.push({ id: e.id, outcome: 'duplicate' });
        continue;
      }
      const r = applyOne(ctx, kioskId, e, (n) => (queued += n));
      setOutcome.run(r.outcome, r.note ?? null, e.id);
      results.push(r.note ? { id: e.id, outcome: r.outcome, note: r.note } : { id: e.id, outcome: r.outcome });
    }
    ctx.db.prepare('UPDATE kiosks SET last_seen_at = ? WHERE id = ?').run(now, kioskId);
  })();
  if (queued > 0) ctx.notificationsQueued();
  return { acked: results.map((r) => r.id), results };
}

function applyOne(ctx: ServerContext, kioskId: string, e: SyncEvent, queued: (n: number) => void): Applied {
  switch (e.type) {
    case 'parcel.deposited':
    case 'parcel.picked_up':
    case 'parcel.expired':
    case 'parcel.collected':
    case 'parcel.kept_by_driver':
      return applyParcelEvent(ctx, kioskId, e, queued);
    case 'problem.reported':
    case 'compartment.out_of_service':
    case 'compartment.in_service':
    case 'door.forced_open':
    case 'door.jammed':
    case 'door.left_open':
    case 'maintenance.door_opened':
    case 'clock.jumped':
    // codes.failed: stored for the console's alert (issue: console); the server has nothing to update yet.
    case 'codes.failed':
      // Facts for the fleet's records (and the fleet page via heartbeat faults); nothing to update. A clock.jumped is
      // kept so an operator can explain a kiosk's odd event times.
      return { outcome: 'recorded' };
    default: {
      const never: never = e;
      throw new Error(`unhandled event ${(never as SyncEvent).type}`);
    }
  }
}

function findParcel(ctx: ServerContext, kioskId: string, ref: { parcelId?: string; barcode: string }): ParcelRow | undefined {
  if (ref.parcelId) {
    return ctx.db.prepare('SELECT * FROM parcels WHERE id = ? AND kiosk_id = ?').get(ref.parcelId, kioskId) as ParcelRow | undefined;
  }
  return ctx.db
    .prepare(
      `SELECT * FROM parcels WHERE kiosk_id = ? AND barcode = ?
       ORDER BY (status IN ('expected','deposited','expired')) DESC, created_at DESC LIMIT 1`,
    )
    .get(kioskId, ref.barcode) as ParcelRow | undefined;
}

function applyParcelEvent(ctx: ServerContext, kioskId: string, e: ParcelEvent, queued: (n: number) => void): Applied {
  const p = findParcel(ctx, kioskId, e.payload);
  if (!p) return { outcome: 'recorded', note: 'unknown parcel' };
  const at = Date.parse(e.occurredAt);
  const now = ctx.now();
  const update = (sql: string, ...args: unknown[]) => ctx.db.prepare(`UPDATE parcels SET ${sql}, updated_at = ? WHERE id = ?`).run(...args, now, p.id);
  const conflict = (note: string) => update('conflict = ?', note);

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
        appendChange(ctx, kioskId, 'extended', { parcelId: p.id, barcode: p.barcode, pickupWindowDays: p.pickup_window_days, expiresAt: iso(expiresAt) });
      }
      update(`status = 'deposited', deposited_at = ?, compartment_id = ?, expires_at = ?`, at, e.payload.compartmentId, expiresAt);
      const after = { ...p, status: 'deposited' as const, deposited_at: at, compartment_id: e.payload.compartmentId, expires_at: expiresAt };
      if (p.code_sealed) {
        queued(enqueueNotification(ctx, after, 'code', ctx.keys.vault.open(p.code_sealed, codeContext(p.id))));
        // The code now lives only inside the sealed messages, which are wiped once sent.
        update('code_sealed = NULL');
      } else {
        ctx.log.warn('deposit without a code to send', { parcelId: p.id });
      }
      if (p.status === 'cancelled') {
        conflict('deposited after the server cancelled it; the deposit stands');
        return { outcome: 'conflict', note: 'parcel was cancelled; deposit recorded and the recipient notified' };
      }
      return { outcome: 'applied' };
    }
    case 'parcel.picked_up': {
      if (p.status === 'deposited' || p.status === 'expired') {
        update(`status = 'picked_up', picked_up_at = ?, code_sealed = NULL`, at);
        dropPendingNotifications(ctx, p.id, ['reminder', 'expired'], 'picked up');
        return { outcome: 'applied' };
      }
      if (p.status === 'expected' || p.status === 'cancelled') {
        update(`status = 'picked_up', picked_up_at = ?, compartment_id = ?, code_sealed = NULL`, at, e.payload.compartmentId);
        conflict(`picked up while the server had it ${p.status}`);
        return { outcome: 'conflict', note: `server had it ${p.status}` };
      }
      return { outcome: 'recorded', note: `already ${p.status}` };
    }
    case 'parcel.expired': {
      if (p.status !== 'deposited') return { outcome: 'recorded', note: `server has it ${p.status}` };
      update(`status = 'expired', expired_at = ?`, at);
      dropPendingNotifications(ctx, p.id, ['reminder'], 'expired');
      queued(enqueueNotification(ctx, { ...p, status: 'expired' }, 'expired'));
      return { outcome: 'applied' };
    }
    case 'parcel.collected': {
      if (p.status === 'expired' || p.status === 'deposited') {
        update(`status = 'collected', collected_at = ?, code_sealed = NULL`, at);
        dropPendingNotifications(ctx, p.id, ['reminder'], 'collected');
        return { outcome: 'applied' };
      }
      if (p.status === 'expected' || p.status === 'cancelled') {
        update(`status = 'collected', collected_at = ?, code_sealed = NULL`, at);
        conflict(`collected while the server had it ${p.status}`);
        return { outcome: 'conflict', note: `server had it ${p.status}` };
      }
      return { outcome: 'recorded', note: `already ${p.status}` };
    }
    case 'parcel.kept_by_driver': {
      // It stays expected (the driver may bring it back); the carrier sees the fact via the events log.
      if (p.status === 'expected' || p.status === 'cancelled') {
        update('kept_by_driver_at = ?', at);
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
