import type { Q } from './db';

/**
 * Records a request nonce; false = seen before (a replay). `INSERT … ON CONFLICT DO NOTHING`: two instances receiving
 * the same replayed request at once both ask the database, and only one insert wins.
 */
export async function recordNonce(q: Q, kioskId: string, nonce: string, seenAt: number): Promise<boolean> {
  const r = await q
    .insertInto('nonces')
    .values({ kiosk_id: kioskId, nonce, seen_at: seenAt })
    .onConflict((oc) => oc.columns(['kiosk_id', 'nonce']).doNothing())
    .returning('nonce')
    .executeTakeFirst();
  return r !== undefined;
}

/** Deletes nonces seen before `before` (ms); returns how many. */
export async function deleteNoncesBefore(q: Q, before: number): Promise<number> {
  const r = await q.deleteFrom('nonces').where('seen_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
