import type { ServerContext } from '../context';

export type ChangeKind = 'expected' | 'cancelled' | 'extended' | 'badge_revoked';

/** Append one change to a kiosk's manifest (kioskId null = every kiosk). Call inside the state change's transaction. */
export function appendChange(ctx: ServerContext, kioskId: string | null, kind: ChangeKind, body: object): number {
  const r = ctx.db
    .prepare('INSERT INTO manifest_changes (kiosk_id, kind, body, created_at) VALUES (?, ?, ?, ?)')
    .run(kioskId, kind, JSON.stringify(body), ctx.now());
  return Number(r.lastInsertRowid);
}
