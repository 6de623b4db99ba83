import type { ManifestResponse } from '../../src-shared/sync-protocol';
import { iso, type ServerContext } from '../context';
import type { ChangeKind } from './manifest-log';

interface ChangeRow {
  seq: number;
  kind: ChangeKind;
  body: string;
}

/**
 * One page of a kiosk's manifest after `cursor`: its own changes and the fleet-wide ones (badge revocations),
 * merged in seq order. Two indexed range scans instead of an OR, so each stays on manifest_by_kiosk.
 */
export function readManifest(ctx: ServerContext, kioskId: string, cursor: number, limit: number): ManifestResponse {
  const rows = ctx.db
    .prepare(
      `SELECT seq, kind, body FROM (
         SELECT seq, kind, body FROM (SELECT seq, kind, body FROM manifest_changes WHERE kiosk_id = ? AND seq > ? ORDER BY seq LIMIT ?)
         UNION ALL
         SELECT seq, kind, body FROM (SELECT seq, kind, body FROM manifest_changes WHERE kiosk_id IS NULL AND seq > ? ORDER BY seq LIMIT ?)
       ) ORDER BY seq LIMIT ?`,
    )
    .all(kioskId, cursor, limit + 1, cursor, limit + 1, limit + 1) as ChangeRow[];
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const out: ManifestResponse = {
    expected: [],
    cancellations: [],
    extensions: [],
    revokedBadges: [],
    revokedBadgeIds: [],
    nextCursor: String(page.length > 0 ? page[page.length - 1]!.seq : cursor),
    hasMore,
    serverTime: iso(ctx.now()),
  };
  for (const row of page) {
    const body = JSON.parse(row.body);
    switch (row.kind) {
      case 'expected':
        out.expected.push({ seq: row.seq, ...body });
        break;
      case 'cancelled':
        out.cancellations.push({ seq: row.seq, ...body });
        break;
      case 'extended':
        out.extensions.push({ seq: row.seq, ...body });
        break;
      case 'badge_revoked':
        out.revokedBadges.push({ seq: row.seq, ...body });
        out.revokedBadgeIds.push(body.badgeId);
        break;
      default: {
        const never: never = row.kind;
        throw new Error(`unknown manifest change kind ${String(never)}`);
      }
    }
  }
  return out;
}

export function manifestPending(ctx: ServerContext, kioskId: string, cursor: number): boolean {
  const row = ctx.db
    .prepare(
      `SELECT EXISTS(SELECT 1 FROM manifest_changes WHERE kiosk_id = ? AND seq > ?)
           OR EXISTS(SELECT 1 FROM manifest_changes WHERE kiosk_id IS NULL AND seq > ?) AS p`,
    )
    .get(kioskId, cursor, cursor) as { p: number };
  return row.p === 1;
}
