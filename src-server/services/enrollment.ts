import { createHash, randomBytes } from 'node:crypto';
import type { EnrollRequest, EnrollResponse } from '../../src-shared/sync-protocol';
import { publicKeyPem } from '../auth/badges';
import { DAY_MS, iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import type { Q } from '../store/db';
import { appendChange } from './manifest-log';
import { reenrollKiosk, type Reenrolled } from './reenroll';

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * A one-time enrollment token; only its hash is stored. `timeZone` (an IANA name, already checked by the TimeZone
 * schema) becomes the enrolled kiosk's zone, in which its recipients' deadlines are written (issue 12). `q`: the
 * caller's transaction (it audits in the same one).
 */
export async function createEnrollmentToken(ctx: ServerContext, ttlHours = 24, timeZone?: string, q: Q = ctx.store.db): Promise<{ enrollmentToken: string; expiresAt: string }> {
  const token = 'lket_' + randomBytes(24).toString('base64url');
  const now = ctx.now();
  const expiresAt = now + ttlHours * 3600_000;
  await q.insertInto('enrollment_tokens').values({ token_hash: hashToken(token), created_at: now, expires_at: expiresAt, time_zone: timeZone ?? null }).execute();
  return { enrollmentToken: token, expiresAt: iso(expiresAt) };
}

export function sealKioskSecret(ctx: ServerContext, kioskId: string, secret: Buffer): string {
  return ctx.keys.vault.seal(secret.toString('base64'), `kiosk-secret:${kioskId}`);
}

export function openKioskSecret(ctx: Pick<ServerContext, 'keys'>, kioskId: string, sealed: string): Buffer {
  return Buffer.from(ctx.keys.vault.open(sealed, `kiosk-secret:${kioskId}`), 'base64');
}

/**
 * Enrolls a kiosk with a one-time token. The token is spent by a conditional update (`… WHERE used_at IS NULL AND
 * expires_at > now RETURNING`) before anything else: of two requests with one token, on one instance or two, exactly
 * one gets the row and makes a kiosk; the other is refused. The new kiosk's manifest starts with the badge revocations
 * still in force (revoked badges that have not expired), which it would otherwise never hear of. With push configured,
 * the answer also carries the kiosk's own broker account (`push`: URL, username = kiosk id, a password derived from the
 * data key and never stored here, its topics); the broker may refuse it every topic but its own.
 */
export async function enroll(ctx: ServerContext, req: EnrollRequest): Promise<EnrollResponse> {
  const now = ctx.now();
  let kioskId = randomId('K-', 12);
  const again: { reenrolled: Reenrolled | null } = { reenrolled: null };
  const secret = randomBytes(32);
  const tokenHash = hashToken(req.enrollmentToken);
  await ctx.store.tx(async (q) => {
    const spent = await q
      .updateTable('enrollment_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['token_hash', 'time_zone'])
      .executeTakeFirst();
    if (!spent) {
      const row = await q.selectFrom('enrollment_tokens').select(['used_at', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
      if (!row) throw new HttpError('UNAUTHORIZED', 'unknown enrollment token');
      if (row.used_at !== null) throw new HttpError('UNAUTHORIZED', 'enrollment token already used');
      throw new HttpError('UNAUTHORIZED', 'enrollment token expired');
    }
    const token = await q.selectFrom('enrollment_tokens').select('reenroll_kiosk_id').where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
    if (token.reenroll_kiosk_id !== null) {
      // A replaced PC (ADR return-reenroll): the same kiosk id with a new secret; the old one stops working now.
      kioskId = token.reenroll_kiosk_id;
      again.reenrolled = await reenrollKiosk(ctx, q, kioskId, req, secret);
      await q.updateTable('enrollment_tokens').set({ kiosk_id: kioskId }).where('token_hash', '=', tokenHash).execute();
      return;
    }
    await q
      .insertInto('kiosks')
      .values({
        id: kioskId,
        secret_sealed: sealKioskSecret(ctx, kioskId, secret),
        layout_name: req.layoutName ?? null,
        capacity_json: JSON.stringify(req.capacity),
        enrolled_at: now,
        // The operator's choice on the token wins over the kiosk's own idea of its zone (issue 12).
        time_zone: spent.time_zone ?? req.timeZone ?? 'UTC',
      })
      .execute();
    await q.updateTable('enrollment_tokens').set({ kiosk_id: kioskId }).where('token_hash', '=', tokenHash).execute();
    const revoked = await q
      .selectFrom('badges')
      .select(['id', 'revoked_at'])
      .where('revoked_at', 'is not', null)
      .where('expires_at', '>', now)
      .orderBy('revoked_at')
      .execute();
    for (const b of revoked) await appendChange(ctx, q, kioskId, 'badge_revoked', { badgeId: b.id, revokedAt: iso(b.revoked_at!) });
  });
  if (again.reenrolled) {
    if (again.reenrolled.queued > 0) ctx.notificationsQueued();
    ctx.log.info('kiosk re-enrolled', { kioskId, ...again.reenrolled });
  } else ctx.log.info('kiosk enrolled', { kioskId, layout: req.layoutName ?? null });
  // After the commit: the broker account for a kiosk that exists (ADR mqtt-push). Absent without push: the kiosk polls.
  const push = await ctx.push.enrollKiosk(kioskId);
  return {
    kioskId,
    kioskSecret: secret.toString('base64'),
    badgePublicKey: publicKeyPem(ctx.keys.badgePublicKey),
    serverTime: iso(now),
    pickupWindowDays: ctx.pickupWindowDays,
    ...(push ? { push } : {}),
  };
}

export const ENROLLMENT_DEFAULT_TTL_MS = DAY_MS;
