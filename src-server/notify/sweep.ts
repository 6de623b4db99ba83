import { DAY_MS, type ServerContext } from '../context';
import { tryXactLock } from '../store/dialect';
import { deleteNoncesBefore } from '../store/nonces';
import { MAX_CLOCK_SKEW_MS } from '../../src-common/signing';
import { enqueueNotification } from './outbox';
import { checkRestored, readWatermark, writeWatermark, type EpochCheck } from '../services/epoch';
import { releaseUndelivered } from '../services/release';
import { expireDropoffs } from '../services/dropoffs';
import { sweepOffline } from '../services/alerts';
import { pruneLostCodeRequests } from '../services/lost-code';
import { pruneSigninFailures } from '../auth/accounts';
import { purgePersonalData, type Erased } from '../services/personal-data';

export interface SweepResult {
  reminders: number;
  /** Alert messages queued by the offline rule (services/alerts.ts). */
  alerts: number;
  noncesPruned: number;
  /** Expected parcels released for not being delivered in time (services/release.ts). */
  released: number;
  /** Drop-offs whose sender did not come by the deadline, expired and their reservations freed (services/dropoffs.ts). */
  dropoffsExpired: number;
  /** The epoch replaced because the database is behind this instance's restore watermark, or null (ADR restore-epoch). */
  epochRotatedFrom: string | null;
  /** False when another instance was sweeping at that moment (it does the same work; nothing was skipped for good). */
  ran: boolean;
  /** Personal data erased after the retention period (services/personal-data.ts); absent when this instance did not sweep. */
  erased?: Erased;
}

/**
 * Periodic housekeeping, idempotent (run it as often as you like, from any number of instances): check that the
 * database has not gone back in time (the restore watermark, ADR restore-epoch), release shipments never delivered,
 * queue the reminder for deposited parcels that expire within a day, drop sealed codes of long-cancelled parcels, and
 * forget nonces too old to be replayed (their timestamp would be refused anyway). One transaction under the `housekeeping` advisory lock
 * (PostgreSQL): while one instance sweeps, the others skip rather than queue the same reminders.
 * A reminder is marked by a conditional update that re-checks the expiry it announces (`… WHERE reminder_queued_at IS
 * NULL AND expires_at = <the one read>`), so an extension committed in between wins: no reminder for the old date.
 */
export async function sweep(ctx: ServerContext): Promise<SweepResult> {
  const now = ctx.now();
  const file = ctx.restoreWatermarkFile;
  let epoch: EpochCheck | null = null;
  const r = await ctx.store.tx(async (q) => {
    if (!(await tryXactLock(ctx.store.dialect, q, 'housekeeping'))) return { reminders: 0, alerts: 0, noncesPruned: 0, released: 0, dropoffsExpired: 0, epochRotatedFrom: null, ran: false };
    epoch = file ? await checkRestored(q, readWatermark(file)) : null;
    const released = await releaseUndelivered(ctx, q, now);
    const dropoffsExpired = await expireDropoffs(ctx, q, now);
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
    await pruneLostCodeRequests(ctx, q);
    await pruneSigninFailures(q, now);
    // The offline alert rule (ADR alerts-webhooks): under this lock, so two instances never raise one spell twice.
    const alerts = await sweepOffline(ctx, q, now);
    return { reminders, alerts, noncesPruned, released, dropoffsExpired, epochRotatedFrom: epoch?.rotatedFrom ?? null, ran: true };
  });
  // After the commit: the watermark must never record a state the database did not keep.
  const seen = epoch as EpochCheck | null;
  if (file && seen) writeWatermark(file, { epoch: seen.epoch, progress: seen.progress, at: now });
  if (r.epochRotatedFrom) {
    ctx.log.warn('the database is older than the state this instance last saw (restored from a backup?): new epoch, kiosks will re-send', {
      from: r.epochRotatedFrom,
      to: seen?.epoch,
    });
  }
  if (r.reminders > 0 || r.alerts > 0) ctx.notificationsQueued();
  // After the housekeeping transaction, in its own short batches (ADR personal-data): never one long lock.
  if (r.ran) return { ...r, erased: await purgePersonalData(ctx, now) };
  return r;
}
