import { createHash } from 'node:crypto';
import type { HeartbeatDisk } from '../../src-shared/sync-protocol';
import { systemAudit } from '../auth/audit';
import type { ServerContext } from '../context';
import type { Q } from '../store/db';
import { raiseAlert } from './alerts';

/** A stable UUID for "kiosk K's disk went low at T": one per spell, whichever instance stores it. */
function diskLowEventId(kioskId: string, at: number): string {
  const h = createHash('sha256').update(`disk.low:${kioskId}:${at}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The fleet side of the kiosk's disk reserve (issue 14, ADR disk-bounds), called inside the heartbeat's transaction with
 * the `disk` the kiosk reported (absent from older kiosks: nothing happens).
 * - `low` and no spell open: the kiosk row's `disk_low_item` is claimed by a conditional update (two instances taking
 *   heartbeats of one kiosk open one spell), a `disk.low` event is stored (an inbox item, its payload the figures) and
 *   the `disk.low` rule's alert goes out through the notification outbox like every alert (ADR 0015);
 * - not `low` with a spell open: the spell ends; its inbox item is resolved by `system` with a note (an operator who
 *   resolved it first keeps it), as `kiosk.back` does for an offline spell.
 * Returns how many messages were queued (the caller's transaction kicks the outbox after its commit).
 */
export async function noteDisk(ctx: ServerContext, q: Q, kioskId: string, disk: HeartbeatDisk | undefined, openItem: string | null, now: number): Promise<number> {
  if (!disk) return 0;
  if (disk.low && openItem === null) {
    const id = diskLowEventId(kioskId, now);
    const claimed = await q.updateTable('kiosks').set({ disk_low_item: id }).where('id', '=', kioskId).where('disk_low_item', 'is', null).returning('id').executeTakeFirst();
    if (!claimed) return 0;
    const payload = { freeBytes: disk.freeBytes, reserveBytes: disk.reserveBytes, dataDirBytes: disk.dataDirBytes, totalBytes: disk.totalBytes };
    await q
      .insertInto('events')
      .values({ id, kiosk_id: kioskId, type: 'disk.low', occurred_at: now, received_at: now, payload: JSON.stringify(payload), outcome: 'recorded' })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const queued = await raiseAlert(ctx, q, kioskId, id, 'disk.low', payload);
    if (queued > 0) ctx.store.afterCommit(q, () => ctx.notificationsQueued());
    ctx.log.warn('kiosk low on disk', { kioskId, freeBytes: disk.freeBytes, reserveBytes: disk.reserveBytes, queued });
    return queued;
  }
  if (!disk.low && openItem !== null) {
    const cleared = await q.updateTable('kiosks').set({ disk_low_item: null }).where('id', '=', kioskId).where('disk_low_item', '=', openItem).returning('id').executeTakeFirst();
    if (!cleared) return 0;
    const resolved = await q
      .selectFrom('operator_audit')
      .select('id')
      .where('target', '=', openItem)
      .where('action', '=', 'problem.resolve')
      .where('outcome', '=', 'ok')
      .executeTakeFirst();
    const note = `disk above its reserve again: ${Math.floor(disk.freeBytes / 1048576)} MiB free`;
    if (!resolved) await systemAudit(ctx, q, { action: 'problem.resolve', target: openItem, detail: { kioskId, type: 'disk.low', note } });
    ctx.log.info('kiosk disk above its reserve again', { kioskId, freeBytes: disk.freeBytes });
  }
  return 0;
}
