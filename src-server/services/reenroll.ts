import { createHash, randomBytes } from 'node:crypto';
import type { EnrollRequest } from '../../src-shared/sync-protocol';
import { iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import { openKioskSecret, sealKioskSecret } from './enrollment';
import { appendChange } from './manifest-log';
import { optionalGroupKey } from './recipient-link';
import { reissueCode } from './reissue';
import { placeDropoff, reannounceDropoff } from './reenroll-dropoffs';
import { ACTIVE } from './shipments';

/**
 * Replacing a kiosk PC (issue 12, ADR return-reenroll). The console makes a one-time RE-enrollment token for an existing
 * kiosk id; the new PC enrolls with it as with any token (POST /v1/kiosks/enroll) and gets the SAME id with a NEW
 * secret. Everything that hangs on the old secret is redone in the enrollment's transaction, so the switch is atomic.
 */

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** A re-enrollment token for kiosk `kioskId` (admin; audited by the route). Only its hash is stored. NOT_FOUND: no such kiosk. */
export async function createReenrollmentToken(ctx: ServerContext, q: Q, kioskId: string, ttlHours: number): Promise<{ enrollmentToken: string; expiresAt: string; kioskId: string }> {
  const k = await q.selectFrom('kiosks').select('id').where('id', '=', kioskId).executeTakeFirst();
  if (!k) throw new HttpError('NOT_FOUND', `no kiosk ${kioskId}`);
  const token = 'lket_' + randomBytes(24).toString('base64url');
  const now = ctx.now();
  const expiresAt = now + ttlHours * 3600_000;
  await q.insertInto('enrollment_tokens').values({ token_hash: hashToken(token), created_at: now, expires_at: expiresAt, used_at: null, kiosk_id: null, reenroll_kiosk_id: kioskId }).execute();
  return { enrollmentToken: token, expiresAt: iso(expiresAt), kioskId };
}

/**
 * The kiosk's secret as committed (or as written by `q`'s own transaction), read through `q`, never from the
 * per-instance cache: a re-enrollment on any instance changes it. `lock` takes the kiosk row's lock (PostgreSQL), so a
 * code made with it cannot race a re-enrollment. null: unknown kiosk.
 */
export async function currentKioskSecret(ctx: ServerContext, q: Q, kioskId: string, lock = false): Promise<Buffer | null> {
  const base = q.selectFrom('kiosks').select('secret_sealed').where('id', '=', kioskId);
  const row = await (lock ? lockRows(ctx.store.dialect, base) : base).executeTakeFirst();
  return row ? openKioskSecret(ctx, kioskId, row.secret_sealed) : null;
}

export interface Reenrolled {
  /** Parcels whose pickup secrets were re-issued (expected, deposited, expired; not those marked for return; waiting drop-offs). */
  reissued: number;
  /** Parcels the new PC is told are in compartments (`placed` entries). */
  placed: number;
  /** Code messages queued (deposited / expired parcels, waiting drop-offs: the recipient or sender needs the new code now). */
  queued: number;
}

/**
 * Re-enrolls `kioskId` inside the enrollment's transaction `q` (the token is already spent):
 * 1. the new secret replaces the old (sealed) one: from the commit on, requests signed with the old secret are refused
 *    on every instance (they read the secret fresh when a signature does not match: app.ts, http/guard.ts);
 * 2. `manifest_floor` = the current head: the new PC reads from there, never the old PC's history (a `expected` entry of
 *    a parcel long picked up would otherwise come back as expected);
 * 3. what the kiosk needs, after the floor: badge revocations still in force; each expected parcel (`expected`) and each
 *    parcel in a compartment (`placed`: which compartment, deposit and expiry, marked for return or not);
 * 4. every such parcel not marked for return gets new pickup secrets through `reissueCode` (ADR code-reissue): the old
 *    digests were keyed by the old secret. A deposited / expired parcel's new code goes to its recipient now; an expected
 *    one's at deposit.
 * 5. drop-offs (ADR 0019) go in their own entries (reenroll-dropoffs.ts): a waiting one as a drop-off with its deadline
 *    and a new code sent to its sender now; a deposited one placed for the driver's collection, with no code.
 * Unsent events of the old PC are lost with it; the kiosk row's layout and capacity are the new PC's.
 */
export async function reenrollKiosk(ctx: ServerContext, q: Q, kioskId: string, req: EnrollRequest, secret: Buffer): Promise<Reenrolled> {
  const now = ctx.now();
  const k = await q
    .updateTable('kiosks')
    .set({ secret_sealed: sealKioskSecret(ctx, kioskId, secret), layout_name: req.layoutName ?? null, capacity_json: JSON.stringify(req.capacity), heartbeat_json: null, heartbeat_kiosk_time: null })
    .where('id', '=', kioskId)
    .returning('manifest_head')
    .executeTakeFirst();
  if (!k) throw new HttpError('NOT_FOUND', `no kiosk ${kioskId}`);
  await q.updateTable('kiosks').set({ manifest_floor: k.manifest_head }).where('id', '=', kioskId).execute();

  const revoked = await q.selectFrom('badges').select(['id', 'revoked_at']).where('revoked_at', 'is not', null).where('expires_at', '>', now).orderBy('revoked_at').execute();
  for (const b of revoked) await appendChange(ctx, q, kioskId, 'badge_revoked', { badgeId: b.id, revokedAt: iso(b.revoked_at!) });

  const parcels = await q.selectFrom('parcels').selectAll().where('kiosk_id', '=', kioskId).where('status', 'in', ACTIVE).orderBy('created_at').orderBy('id').execute();
  const out: Reenrolled = { reissued: 0, placed: 0, queued: 0 };
  for (const p of parcels) {
    if (p.direction === 'out' && p.status === 'expected') {
      out.queued += await reannounceDropoff(ctx, q, p);
      out.reissued++;
      continue;
    }
    if (p.direction === 'out' && p.status === 'deposited') {
      if (await placeDropoff(ctx, q, p)) out.placed++;
      continue;
    }
    // With the recipient's group key, as at intake: without it the new PC would open one recipient's parcels one code
    // at a time (red team 13b). None once the recipient was erased.
    const ref = {
      parcelId: p.id,
      barcode: p.barcode,
      size: p.size,
      codeDigest: p.code_digest,
      pickupWindowDays: p.pickup_window_days,
      accessible: p.accessible === 1,
      ...(p.direction === 'in' ? optionalGroupKey(ctx, kioskId, { phone: p.recipient_phone, email: p.recipient_email }) : {}),
    };
    if (p.status === 'expected') {
      await appendChange(ctx, q, kioskId, 'expected', ref);
    } else {
      if (p.compartment_id === null || p.deposited_at === null || p.expires_at === null) {
        ctx.log.warn('re-enrollment: a parcel in a compartment without its place or dates is left out', { parcelId: p.id, kioskId });
        continue;
      }
      await appendChange(ctx, q, kioskId, 'placed', {
        ...ref,
        compartmentId: p.compartment_id,
        status: p.status,
        depositedAt: iso(p.deposited_at),
        expiresAt: iso(p.expires_at),
        returnToSender: p.return_requested_at !== null,
      });
      out.placed++;
    }
    if (p.return_requested_at !== null) continue;
    const r = await reissueCode(ctx, q, p.id);
    out.reissued++;
    out.queued += r.queued;
  }
  return out;
}
