import type { ManifestResponse } from '../../src-shared/sync-protocol';
import { iso, type ServerContext } from '../context';
import type { Q } from '../store/db';
import { currentEpoch } from './epoch';

/**
 * One page of a kiosk's manifest after `cursor`, in seq order: one range scan on the (kiosk_id, seq) primary key.
 * Every answer also carries what lets a kiosk notice that this database went back in time (ADR restore-epoch): the
 * `epoch`, the kiosk's `head` (read after the page, so never below its last seq unless the database was restored), and,
 * when the kiosk names the last event we acked to it (`lastEvent`), whether we still have it (one primary-key lookup).
 */
export async function readManifest(
  ctx: ServerContext,
  q: Q,
  kioskId: string,
  cursor: number,
  limit: number,
  lastEvent?: string,
): Promise<ManifestResponse> {
  // A re-enrolled kiosk (ADR return-reenroll) never reads below its floor: what came before was the old PC's history;
  // the entries after it describe the kiosk as it is. A kiosk asking from 0 (a new store, or a restore's re-read) starts there.
  const floor = await q.selectFrom('kiosks').select('manifest_floor').where('id', '=', kioskId).executeTakeFirst();
  const from = Math.max(cursor, Number(floor?.manifest_floor ?? 0));
  const rows = await q
    .selectFrom('manifest')
    .select(['seq', 'kind', 'body'])
    .where('kiosk_id', '=', kioskId)
    .where('seq', '>', from)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  const k = await q.selectFrom('kiosks').select('manifest_head').where('id', '=', kioskId).executeTakeFirst();
  const epoch = await currentEpoch(q);
  const known =
    lastEvent === undefined
      ? undefined
      : (await q.selectFrom('events').select('id').where('id', '=', lastEvent).where('kiosk_id', '=', kioskId).executeTakeFirst()) !== undefined;
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const out: ManifestResponse = {
    expected: [],
    cancellations: [],
    extensions: [],
    reissues: [],
    returns: [],
    placed: [],
    dropoffs: [],
    placedDropoffs: [],
    preferences: [],
    revokedBadges: [],
    revokedBadgeIds: [],
    nextCursor: String(page.length > 0 ? page[page.length - 1]!.seq : from),
    hasMore,
    serverTime: iso(ctx.now()),
    epoch,
    head: k?.manifest_head ?? 0,
    ...(known === undefined ? {} : { lastEventKnown: known }),
  };
  for (const row of page) {
    const body = JSON.parse(row.body);
    switch (row.kind) {
      case 'expected':
        // A drop-off (ADR drop-offs) is an `expected` row that says `direction: 'out'`: it goes out in its own list, so
        // a kiosk that knows nothing of drop-offs drops it unread instead of waiting for a driver to deliver it.
        if (body.direction === 'out') {
          const { direction: _out, ...dropoff } = body;
          out.dropoffs!.push({ seq: row.seq, ...dropoff });
        } else out.expected.push({ seq: row.seq, ...body });
        break;
      case 'cancelled':
        out.cancellations.push({ seq: row.seq, ...body });
        break;
      case 'extended':
        out.extensions.push({ seq: row.seq, ...body });
        break;
      case 'code_reissued':
        out.reissues!.push({ seq: row.seq, ...body });
        break;
      case 'returned':
        out.returns!.push({ seq: row.seq, ...body });
        break;
      case 'placed':
        // A deposited drop-off (re-enrollment) goes in its own list, as an expected one does: see `expected` above.
        if (body.direction === 'out') {
          const { direction: _out, ...dropoff } = body;
          out.placedDropoffs!.push({ seq: row.seq, ...dropoff });
        } else out.placed!.push({ seq: row.seq, ...body });
        break;
      case 'parcel_preferences':
        out.preferences!.push({ seq: row.seq, ...body });
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

/**
 * Whether the kiosk should pull: its manifest has anything after `cursor` (its head, read from the kiosk row), or the
 * head is BEHIND the cursor (this database was restored from an older backup: the pull's answer lets it heal).
 */
export async function manifestPending(q: Q, kioskId: string, cursor: number): Promise<boolean> {
  const k = await q.selectFrom('kiosks').select('manifest_head').where('id', '=', kioskId).executeTakeFirst();
  return (k?.manifest_head ?? 0) !== cursor;
}
