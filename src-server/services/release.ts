import { DAY_MS, iso, type ServerContext } from '../context';
import type { Q } from '../store/db';
import { appendChange } from './manifest-log';
import { queueWebhook } from './webhooks';

/** Parcels released per sweep at most: a backlog (a long outage) drains over a few sweeps in short transactions. */
export const RELEASE_BATCH = 500;

/**
 * Releases the reservations of shipments announced but never delivered (issue 11): an `expected` parcel created more
 * than `undeliveredDays` ago becomes `cancelled` with `cancel_reason = 'not_delivered'`, which frees its capacity (intake
 * counts only expected parcels) and its barcode (parcels_active_barcode), shows the carrier why (GET /v1/parcels), and
 * tells the kiosk through its manifest like a carrier's cancel (`reason: 'not_delivered'`).
 * Each release is a conditional update (`… WHERE status = 'expected'`), so a deposit applied on another instance at the
 * same moment wins; a deposit arriving after the release re-activates the parcel (events.ts: the physical fact wins).
 * Runs inside the sweep's transaction, under its advisory lock. Returns how many were released.
 */
export async function releaseUndelivered(ctx: ServerContext, q: Q, now: number): Promise<number> {
  if (!(ctx.undeliveredDays > 0)) return 0;
  const due = await q
    .selectFrom('parcels')
    .select(['id', 'kiosk_id', 'barcode'])
    .where('status', '=', 'expected')
    // A drop-off waits for its sender until its own deadline (services/dropoffs.ts expireDropoffs), not this one.
    .where('direction', '=', 'in')
    .where('created_at', '<', now - ctx.undeliveredDays * DAY_MS)
    .orderBy('created_at')
    .limit(RELEASE_BATCH)
    .execute();
  let released = 0;
  for (const d of due) {
    const won = await q
      .updateTable('parcels')
      .set({ status: 'cancelled', cancel_reason: 'not_delivered', cancelled_at: now, updated_at: now })
      .where('id', '=', d.id)
      .where('status', '=', 'expected')
      .returning('id')
      .executeTakeFirst();
    if (!won) continue;
    await appendChange(ctx, q, d.kiosk_id, 'cancelled', { parcelId: d.id, barcode: d.barcode, cancelledAt: iso(now), reason: 'not_delivered' });
    await queueWebhook(ctx, q, d.id, 'cancelled');
    released++;
  }
  if (released > 0) ctx.log.info('undelivered shipments released', { count: released, afterDays: ctx.undeliveredDays });
  return released;
}
