import { DAY_MS, type ServerContext } from '../context';
import { tryXactLock } from '../store/dialect';
import { deleteNoncesBefore } from '../store/nonces';
import { MAX_CLOCK_SKEW_MS } from '../../src-common/signing';
import { enqueueNotification } from './outbox';

export interface SweepResult {
  reminders: number;
  noncesPruned: number;
  /** False when another instance was sweeping at that moment (it does the same work; nothing was skipped for good). */
  ran: boolean;
}

/**
 * Periodic housekeeping, idempotent (run it as often as you like, from any number of instances): queue the reminder for
 * deposited parcels that expire within a day, drop sealed codes of long-cancelled parcels, and forget nonces too old to
 * be replayed (their timestamp would be refused anyway). One transaction under the `housekeeping` advisory lock
 * (PostgreSQL): while one instance sweeps, the others skip rather than queue the same reminders.
 * A reminder is marked by a conditional update that re-checks the expiry it announces (`… WHERE reminder_queued_at IS
 * NULL AND expires_at = <the one read>`), so an extension committed in between wins: no reminder for the old date.
 */
export async function sweep(ctx: ServerContext): Promise<SweepResult> {
  const now = ctx.now();
  const r = await ctx.store.tx(async (q) => {
    if (!(await tryXactLock(ctx.store.dialect, q, 'housekeeping'))) return { reminders: 0, noncesPruned: 0, ran: false };
    let reminders = 0;
    const due = await q
      .selectFrom('parcels')
      .select(['id', 'expires_at'])
      .where('status', '=', 'deposited')
      .where('reminder_queued_at', 'is', null)
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now + DAY_MS)
      .where('expires_at', '>', now)
      .execute();
    for (const d of due) {
      const p = await q
        .updateTable('parcels')
        .set({ reminder_queued_at: now })
        .where('id', '=', d.id)
        .where('status', '=', 'deposited')
        .where('reminder_queued_at', 'is', null)
        .where('expires_at', '=', d.expires_at)
        .returningAll()
        .executeTakeFirst();
      if (p) reminders += await enqueueNotification(ctx, q, p, 'reminder');
    }
    // A cancelled parcel keeps its sealed code for a while in case a kiosk deposits it anyway (ADR 0003); not forever.
    await q
      .updateTable('parcels')
      .set({ code_sealed: null })
      .where('status', '=', 'cancelled')
      .where('code_sealed', 'is not', null)
      .where('cancelled_at', '<', now - 30 * DAY_MS)
      .execute();
    const noncesPruned = await deleteNoncesBefore(q, now - 2 * MAX_CLOCK_SKEW_MS);
    return { reminders, noncesPruned, ran: true };
  });
  if (r.reminders > 0) ctx.notificationsQueued();
  return r;
}
