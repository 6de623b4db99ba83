import { checkDigest, newCheckCode, newQrToken, qrDigest } from '../../src-common/code-digest';
import type { ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { sealablePickupSecrets } from '../notify/messages';
import { enqueueNotification, routes } from '../notify/outbox';
import { lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import { appendChange } from './manifest-log';
import { currentKioskSecret } from './reenroll';
import { codeContext, freePickupCode } from './shipments';

/** Statuses whose pickup secrets may be re-issued: the parcel can still be picked up (or is about to arrive). */
export const REISSUABLE = ['expected', 'deposited', 'expired'] as const;

export interface Reissued {
  parcelId: string;
  status: (typeof REISSUABLE)[number];
  /** Messages queued now (0 for an expected parcel: its code goes out at deposit, as for any parcel). */
  queued: number;
  /** Plaintext for in-process callers only (tests, the embedded demo). Never sent over HTTP, never logged. */
  code: string;
  qrToken: string;
  checkCode: string;
}

export interface ReissueOptions {
  /** Send the new code to the recipient's phone only (the number a customer typed at the kiosk), never the e-mail. */
  smsOnly?: boolean;
  /**
   * Refuse (INVALID_STATE, nothing changed) when the new code of a deposited or expired parcel would reach nobody: no
   * channel for any of its addresses (red team, issue 13: an e-mail-only fleet killed the old code and sent nothing).
   */
  mustReach?: boolean;
}

/**
 * Re-issues a parcel's pickup secrets (ADR code-reissue), inside the caller's transaction `q`: a new 6-digit code (free
 * among the kiosk's live codes, as at intake), a new QR token and check code. Only their digests are kept
 * (`parcels.code_digest`, and the manifest's `code_reissued` entry tells the kiosk the code, QR and check digests,
 * REPLACING the old ones, so the old code stops opening). The plaintext goes:
 * - expected parcel: sealed into `code_sealed` (replacing the old sealed secrets); the code message goes at deposit;
 * - deposited / expired parcel: straight into a new `code` message per address (the notification outbox seals it per
 *   message); nothing is kept in clear. The message row is keyed by the manifest seq (`for_expiry`), so every re-issue
 *   is its own message while a retried one stays one.
 * Errors: NOT_FOUND (no such parcel or kiosk), INVALID_STATE (picked up, collected, cancelled).
 */
export async function reissueCode(ctx: ServerContext, q: Q, parcelId: string, opts: ReissueOptions = {}): Promise<Reissued> {
  const p = await lockRows(ctx.store.dialect, q.selectFrom('parcels').selectAll().where('id', '=', parcelId)).executeTakeFirst();
  if (!p) throw new HttpError('NOT_FOUND', `no parcel ${parcelId}`);
  if (!(REISSUABLE as readonly string[]).includes(p.status)) {
    throw new HttpError('INVALID_STATE', `parcel ${p.barcode} is ${p.status}; only an expected, deposited or expired parcel gets a new code`);
  }
  if (p.return_requested_at !== null) throw new HttpError('INVALID_STATE', `parcel ${p.barcode} is marked for return to sender; it gets no new code`);
  // smsOnly ("I lost my code", ADR customer-self-service): the row without its e-mail reaches the phone alone.
  const recipient = opts.smsOnly ? { ...p, recipient_email: null } : p;
  if (opts.mustReach && p.status !== 'expected' && routes(ctx, recipient).length === 0) {
    throw new HttpError('INVALID_STATE', `no message channel reaches the recipient of ${p.barcode}; the old code stays valid`);
  }
  // Read in this transaction, not from the cache: a re-enrollment (ADR return-reenroll) may just have replaced it.
  const secret = await currentKioskSecret(ctx, q, p.kiosk_id, true);
  if (!secret) throw new HttpError('NOT_FOUND', `unknown kiosk ${p.kiosk_id}`);
  const { code, digest } = await freePickupCode(q, secret, p.kiosk_id);
  const qrToken = newQrToken();
  const checkCode = newCheckCode();
  const secrets = sealablePickupSecrets({ code, qrToken, checkCode });
  const now = ctx.now();
  const expected = p.status === 'expected';
  await q
    .updateTable('parcels')
    .set({ code_digest: digest, code_sealed: expected ? ctx.keys.vault.seal(secrets, codeContext(p.id)) : null, updated_at: now })
    .where('id', '=', p.id)
    .execute();
  const seq = await appendChange(ctx, q, p.kiosk_id, 'code_reissued', {
    parcelId: p.id,
    barcode: p.barcode,
    codeDigest: digest,
    qrDigest: qrDigest(secret, qrToken),
    checkDigest: checkDigest(secret, code, checkCode),
  });
  const to = { ...recipient, code_digest: digest };
  const queued = expected ? 0 : await enqueueNotification(ctx, q, to, 'code', secrets, seq);
  ctx.log.info('pickup code re-issued', { parcelId: p.id, kioskId: p.kiosk_id, status: p.status, queued });
  return { parcelId: p.id, status: p.status as Reissued['status'], queued, code, qrToken, checkCode };
}
