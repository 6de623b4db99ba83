import type { HeartbeatRequest, HeartbeatResponse } from '../../src-shared/sync-protocol';
import { iso, type ServerContext } from '../context';
import { manifestPending } from './manifest';

/** Records the kiosk's own view of its availability; `kioskTime` is the signed x-timestamp (kiosk clock). */
export function recordHeartbeat(ctx: ServerContext, kioskId: string, body: HeartbeatRequest, kioskTime: number): HeartbeatResponse {
  const now = ctx.now();
  ctx.db
    .prepare('UPDATE kiosks SET last_heartbeat_at = ?, heartbeat_kiosk_time = ?, heartbeat_json = ?, last_seen_at = ? WHERE id = ?')
    .run(now, kioskTime, JSON.stringify(body), now, kioskId);
  return { serverTime: iso(now), manifestPending: manifestPending(ctx, kioskId, body.cursor === undefined ? 0 : Number(body.cursor)) };
}
