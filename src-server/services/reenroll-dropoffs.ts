import { checkDigest, newCheckCode, newQrToken, qrDigest } from '../../src-common/code-digest';
import { iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { sealablePickupSecrets } from '../notify/messages';
import { enqueueNotification } from '../notify/outbox';
import type { Q } from '../store/db';
import { appendChange } from './manifest-log';
import { currentKioskSecret } from './reenroll';
import { freePickupCode, type ParcelRow } from './shipments';

/**
 * Drop-offs (ADR 0019) in a replaced kiosk PC's first manifest (ADR return-reenroll). A drop-off is told to a kiosk in
 * its own lists (`dropoffs`, `placedDropoffs`), never as a delivery: an `expected` or `placed` entry without
 * `direction: 'out'` would have a driver "deliver" a sender's parcel, or give a collected-by-driver parcel a pickup
 * deadline. Both run inside the re-enrollment's transaction, after the manifest floor.
 */

/**
 * A drop-off still waiting for its sender: new code, QR token and check code under the NEW kiosk secret (the old code's
 * digest was keyed by the old secret and opens nothing at the new PC), announced as a drop-off with its deadline, and
 * sent to the sender NOW: unlike a delivery's, a drop-off's code is the sender's to use before anything is deposited,
 * so nothing later would send it. One manifest entry with the new digests (no separate `code_reissued`). The message is
 * keyed by that entry's seq, so it is a new message beside the booking's. Returns how many messages were queued.
 */
export async function reannounceDropoff(ctx: ServerContext, q: Q, p: ParcelRow): Promise<number> {
  if (p.dropoff_deadline === null) throw new Error(`drop-off ${p.id} has no deadline`);
  const secret = await currentKioskSecret(ctx, q, p.kiosk_id);
  if (!secret) throw new HttpError('NOT_FOUND', `unknown kiosk ${p.kiosk_id}`);
  const { code, digest } = await freePickupCode(q, secret, p.kiosk_id);
  const qrToken = newQrToken();
  const checkCode = newCheckCode();
  await q.updateTable('parcels').set({ code_digest: digest, code_sealed: null, updated_at: ctx.now() }).where('id', '=', p.id).execute();
  const seq = await appendChange(ctx, q, p.kiosk_id, 'expected', {
    direction: 'out',
    parcelId: p.id,
    barcode: p.barcode,
    size: p.size,
    codeDigest: digest,
    qrDigest: qrDigest(secret, qrToken),
    checkDigest: checkDigest(secret, code, checkCode),
    deadline: iso(p.dropoff_deadline),
  });
  return enqueueNotification(ctx, q, { ...p, code_digest: digest }, 'code', sealablePickupSecrets({ code, qrToken, checkCode }), seq);
}

/**
 * A drop-off the sender already put in (status `deposited`, no expiry by design): placed in its compartment for the
 * driver's collection list. No new code: the sender is done, and a code message now would only confuse them.
 * Returns false (logged) when the row lacks its compartment or deposit time.
 */
export async function placeDropoff(ctx: ServerContext, q: Q, p: ParcelRow): Promise<boolean> {
  if (p.compartment_id === null || p.deposited_at === null) {
    ctx.log.warn('re-enrollment: a deposited drop-off without its compartment or deposit time is left out', { parcelId: p.id, kioskId: p.kiosk_id });
    return false;
  }
  await appendChange(ctx, q, p.kiosk_id, 'placed', {
    direction: 'out',
    parcelId: p.id,
    barcode: p.barcode,
    size: p.size,
    compartmentId: p.compartment_id,
    depositedAt: iso(p.deposited_at),
    receipt: p.receipt,
  });
  return true;
}
