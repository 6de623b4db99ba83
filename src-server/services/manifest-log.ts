import type { ServerContext } from '../context';
import type { Q } from '../store/db';

export type ChangeKind = 'expected' | 'cancelled' | 'extended' | 'badge_revoked' | 'code_reissued' | 'returned' | 'placed' | 'parcel_preferences';

/**
 * Appends one change to a kiosk's manifest, inside the state change's transaction. The seq comes from
 * `kiosks.manifest_head`, incremented in place: that UPDATE holds the kiosk row's lock until commit, so a second writer
 * for the same kiosk waits and takes the next number only after this one is visible. Commit order equals cursor order:
 * a kiosk that read seq n has already been able to read every seq below it (no AUTOINCREMENT gap committing later).
 * Returns the seq.
 */
export async function appendChange(ctx: ServerContext, q: Q, kioskId: string, kind: ChangeKind, body: object): Promise<number> {
  const head = await q
    .updateTable('kiosks')
    .set((eb) => ({ manifest_head: eb('manifest_head', '+', 1) }))
    .where('id', '=', kioskId)
    .returning('manifest_head')
    .executeTakeFirstOrThrow();
  await q.insertInto('manifest').values({ kiosk_id: kioskId, seq: head.manifest_head, kind, body: JSON.stringify(body), created_at: ctx.now() }).execute();
  // The kiosk may pull as soon as it is pinged: only after the commit (ADR mqtt-push).
  ctx.store.afterCommit(q, () => ctx.push.manifestChanged(kioskId));
  return head.manifest_head;
}

/**
 * A fleet-wide change (a badge revocation): one row in every kiosk's manifest, each under that kiosk's head. Rare by
 * nature, so the fan-out costs one row per kiosk once; a kiosk enrolled later receives the still-relevant ones at
 * enrollment (enrollment.ts).
 */
export async function appendToAll(ctx: ServerContext, q: Q, kind: ChangeKind, body: object): Promise<number> {
  const heads = await q
    .updateTable('kiosks')
    .set((eb) => ({ manifest_head: eb('manifest_head', '+', 1) }))
    .returning(['id', 'manifest_head'])
    .execute();
  const text = JSON.stringify(body);
  const now = ctx.now();
  for (let i = 0; i < heads.length; i += 500) {
    const rows = heads.slice(i, i + 500).map((h) => ({ kiosk_id: h.id, seq: h.manifest_head, kind, body: text, created_at: now }));
    await q.insertInto('manifest').values(rows).execute();
  }
  ctx.store.afterCommit(q, () => ctx.push.manifestChangedAll());
  return heads.length;
}

/**
 * The expiry (ms) of the newest `extended` entry for `parcelId` in its kiosk's manifest, or null when it has none.
 * An extension the kiosk has not applied yet is still there for it to read (ADR 0003); the events code asks this to
 * tell such an extension from a kiosk that simply expired a parcel early. Bodies are JSON text on both dialects: the
 * LIKE narrows by parcel (an id may hold `_`, a LIKE wildcard, so the parsed id is compared too).
 */
export async function latestExtension(q: Q, kioskId: string, parcelId: string): Promise<number | null> {
  const rows = await q
    .selectFrom('manifest')
    .select('body')
    .where('kiosk_id', '=', kioskId)
    .where('kind', '=', 'extended')
    .where('body', 'like', `%"parcelId":${JSON.stringify(parcelId)}%`)
    .orderBy('seq', 'desc')
    .execute();
  for (const r of rows) {
    const body = JSON.parse(r.body) as { parcelId?: string; expiresAt?: string | null };
    if (body.parcelId === parcelId) return body.expiresAt ? Date.parse(body.expiresAt) : null;
  }
  return null;
}
