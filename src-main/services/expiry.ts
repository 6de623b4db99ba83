import { GROUP_NEXT_WINDOW_MS } from './group-pickup';
import type { Kit } from './kit';
import { LOST_CODE_KEEP_MS } from './lost-code';

/**
 * Moves deposited parcels past their pickup window to expired (their codes then answer CODE_EXPIRED), and tidies
 * what only matters for a while (spent codes past their grace, old failed attempts). Idempotent: a second sweep
 * finds nothing overdue.
 */
export function sweepExpired(kit: Kit): { expired: number } {
  // A jump not yet seen by the 2 s watch would expire parcels (or end reopen windows) on a wrong clock: see it first.
  kit.verifyClock();
  const now = kit.now();
  const expired = kit.tx(() => {
    const overdue = kit.repos.parcels.overdue(now);
    for (const p of overdue) {
      kit.repos.parcels.transition(p.id, 'expired', { expired_at: now }, now);
      kit.queue('parcel.expired', { parcelId: p.id, barcode: p.barcode, compartmentId: p.compartmentId });
      kit.audit('system', 'parcel.expired', { parcelId: p.id, compartmentId: p.compartmentId });
    }
    kit.repos.db.prepare('UPDATE parcels SET spent_digest = NULL, grace_until = NULL WHERE spent_digest IS NOT NULL AND grace_until < ?').run(now);
    kit.repos.attempts.prune(now - 2 * 86_400_000);
    // ADR customer-self-service: a picked-up parcel's group key lives only as long as its visit may open the next door;
    // "I lost my code" requests only as long as the kiosk's limits count them.
    // INDEXED BY: left alone the planner takes parcels_status_expiry (status = 'picked_up': every parcel ever picked up,
    // 0.57 s a sweep at 1,000,000; bench/history.ts) over the partial index of the few keys still set.
    kit.repos.db
      .prepare("UPDATE parcels INDEXED BY parcels_group_left SET group_key = NULL WHERE group_key IS NOT NULL AND status = 'picked_up' AND picked_up_at < ?")
      .run(now - GROUP_NEXT_WINDOW_MS);
    kit.repos.db.prepare('DELETE FROM lost_code_requests WHERE at < ?').run(now - LOST_CODE_KEEP_MS);
    return overdue.length;
  });
  return { expired };
}
