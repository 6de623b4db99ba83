import { createHash } from 'node:crypto';
import { systemAudit } from '../auth/audit';
import type { ServerContext } from '../context';
import type { Q } from '../store/db';
import { raiseAlert } from './alerts';

/** A stable UUID for "the kiosk came back from the spell of offline item X": one per spell, whichever instance sees it. */
function backEventId(offlineItem: string): string {
  const h = createHash('sha256').update(`kiosk.back:${offlineItem}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * "Kiosk K is back online after N minutes" (issue 12, ADR return-reenroll). Called, inside the contact's transaction,
 * by the heartbeat and the event batch of a kiosk whose row still names an open `kiosk.offline` item (set by the offline
 * sweep, services/alerts.ts): the row's `offline_item` is cleared by a conditional update, so of two instances seeing the
 * first contacts only one goes on. Then:
 * - a `kiosk.back` event is stored (the fleet's record; not an inbox item), with the minutes since the last contact
 *   before the spell;
 * - its alert goes to the offline rule's recipients through the same delivery as every alert (notification outbox),
 *   once (the event id is derived from the offline item);
 * - the offline item is RESOLVED in the inbox by `system`, with the note (an operator who resolved it first keeps it):
 *   the condition is over, nobody needs to act on it any more, and the audit trail says who closed it and why.
 * Returns how many messages were queued (the outbox is kicked after the commit).
 */
export async function kioskBack(ctx: ServerContext, q: Q, kioskId: string, offlineItem: string, now: number): Promise<number> {
  const claimed = await q.updateTable('kiosks').set({ offline_item: null }).where('id', '=', kioskId).where('offline_item', '=', offlineItem).returning('id').executeTakeFirst();
  if (!claimed) return 0;
  const item = await q.selectFrom('events').select(['payload']).where('id', '=', offlineItem).executeTakeFirst();
  const lastSeen = item ? Date.parse(String((JSON.parse(item.payload) as { lastSeenAt?: unknown }).lastSeenAt)) : NaN;
  const minutes = Number.isFinite(lastSeen) ? Math.max(0, Math.round((now - lastSeen) / 60_000)) : null;
  const payload = { offlineItem, offlineMinutes: minutes, lastSeenAt: Number.isFinite(lastSeen) ? new Date(lastSeen).toISOString() : null };
  const id = backEventId(offlineItem);
  const stored = await q
    .insertInto('events')
    .values({ id, kiosk_id: kioskId, type: 'kiosk.back', occurred_at: now, received_at: now, payload: JSON.stringify(payload), outcome: 'recorded' })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!stored) return 0;
  const note = `back online after ${minutes ?? '?'} minutes`;
  const resolved = await q
    .selectFrom('operator_audit')
    .select('id')
    .where('target', '=', offlineItem)
    .where('action', '=', 'problem.resolve')
    .where('outcome', '=', 'ok')
    .executeTakeFirst();
  if (!resolved) await systemAudit(ctx, q, { action: 'problem.resolve', target: offlineItem, detail: { kioskId, type: 'kiosk.offline', note } });
  const queued = await raiseAlert(ctx, q, kioskId, id, 'kiosk.back', payload);
  if (queued > 0) ctx.store.afterCommit(q, () => ctx.notificationsQueued());
  ctx.log.info('kiosk back online', { kioskId, minutes, queued });
  return queued;
}
