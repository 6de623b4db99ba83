import { DAY_MS, type ServerContext } from '../context';
import type { ParcelRow } from '../services/shipments';
import { enqueueNotification } from './outbox';
import { pruneNonces } from '../http/auth';

/**
 * Periodic housekeeping, idempotent (run it as often as you like): queue the reminder for deposited parcels that
 * expire within a day, drop sealed codes of long-cancelled parcels, and forget nonces too old to be replayed
 * (their timestamp would be refused anyway).
 */
export function sweep(ctx: ServerContext): { reminders: number; noncesPruned: number } {
  const now = ctx.now();
  let reminders = 0;
  ctx.db.transaction(() => {
    const due = ctx.db
      .prepare(`SELECT * FROM parcels WHERE status = 'deposited' AND reminder_queued_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ? AND expires_at > ?`)
      .all(now + DAY_MS, now) as ParcelRow[];
    const mark = ctx.db.prepare('UPDATE parcels SET reminder_queued_at = ? WHERE id = ?');
    for (const p of due) {
      reminders += enqueueNotification(ctx, p, 'reminder');
      mark.run(now, p.id);
    }
  })();
  // A cancelled parcel keeps its sealed code for a while in case a kiosk deposits it anyway (ADR 0003); not forever.
  ctx.db.prepare(`UPDATE parcels SET code_sealed = NULL WHERE status = 'cancelled' AND code_sealed IS NOT NULL AND cancelled_at < ?`).run(now - 30 * DAY_MS);
  const noncesPruned = pruneNonces(ctx, now);
  if (reminders > 0) ctx.notificationsQueued();
  return { reminders, noncesPruned };
}
