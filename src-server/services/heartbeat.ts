import type { HeartbeatRequest, HeartbeatResponse } from '../../src-shared/sync-protocol';
import { iso, type ServerContext } from '../context';
import type { Q } from '../store/db';
import { commandsPending } from './commands';
import { noteDisk } from './disk-low';
import { kioskBack } from './kiosk-back';
import { manifestPending } from './manifest';

/** Records the kiosk's own view of its availability; `kioskTime` is the signed x-timestamp (kiosk clock). */
export async function recordHeartbeat(ctx: ServerContext, q: Q, kioskId: string, body: HeartbeatRequest, kioskTime: number): Promise<HeartbeatResponse> {
  const now = ctx.now();
  const seen = await q
    .updateTable('kiosks')
    .set({ last_heartbeat_at: now, heartbeat_kiosk_time: kioskTime, heartbeat_json: JSON.stringify(body), last_seen_at: now })
    .where('id', '=', kioskId)
    .returning(['offline_item', 'disk_low_item'])
    .executeTakeFirst();
  // The first contact after an offline alert: "back online" (ADR return-reenroll).
  if (seen?.offline_item) await kioskBack(ctx, q, kioskId, seen.offline_item, now);
  // A kiosk under its disk reserve: the fleet's `disk.low` alert, once per spell (ADR disk-bounds).
  if (seen) await noteDisk(ctx, q, kioskId, body.disk, seen.disk_low_item, now);
  return {
    serverTime: iso(now),
    manifestPending: await manifestPending(q, kioskId, body.cursor === undefined ? 0 : Number(body.cursor)),
    commandsPending: await commandsPending(q, kioskId),
  };
}
