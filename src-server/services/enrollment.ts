import { createHash, randomBytes } from 'node:crypto';
import type { EnrollRequest, EnrollResponse } from '../../src-shared/sync-protocol';
import { publicKeyPem } from '../auth/badges';
import { DAY_MS, iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** A one-time enrollment token; only its hash is stored. */
export function createEnrollmentToken(ctx: ServerContext, ttlHours = 24): { enrollmentToken: string; expiresAt: string } {
  const token = 'lket_' + randomBytes(24).toString('base64url');
  const now = ctx.now();
  const expiresAt = now + ttlHours * 3600_000;
  ctx.db.prepare('INSERT INTO enrollment_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)').run(hashToken(token), now, expiresAt);
  return { enrollmentToken: token, expiresAt: iso(expiresAt) };
}

export function sealKioskSecret(ctx: ServerContext, kioskId: string, secret: Buffer): string {
  return ctx.keys.vault.seal(secret.toString('base64'), `kiosk-secret:${kioskId}`);
}

export function openKioskSecret(ctx: Pick<ServerContext, 'keys'>, kioskId: string, sealed: string): Buffer {
  return Buffer.from(ctx.keys.vault.open(sealed, `kiosk-secret:${kioskId}`), 'base64');
}

export function enroll(ctx: ServerContext, req: EnrollRequest): EnrollResponse {
  const now = ctx.now();
  const kioskId = randomId('K-', 12);
  const secret = randomBytes(32);
  const run = ctx.db.transaction(() => {
    const row = ctx.db
      .prepare('SELECT expires_at, used_at FROM enrollment_tokens WHERE token_hash = ?')
      .get(hashToken(req.enrollmentToken)) as { expires_at: number; used_at: number | null } | undefined;
    if (!row) throw new HttpError('UNAUTHORIZED', 'unknown enrollment token');
    if (row.used_at !== null) throw new HttpError('UNAUTHORIZED', 'enrollment token already used');
    if (row.expires_at <= now) throw new HttpError('UNAUTHORIZED', 'enrollment token expired');
    ctx.db
      .prepare('INSERT INTO kiosks (id, secret_sealed, layout_name, capacity_json, enrolled_at) VALUES (?, ?, ?, ?, ?)')
      .run(kioskId, sealKioskSecret(ctx, kioskId, secret), req.layoutName ?? null, JSON.stringify(req.capacity), now);
    ctx.db.prepare('UPDATE enrollment_tokens SET used_at = ?, kiosk_id = ? WHERE token_hash = ?').run(now, kioskId, hashToken(req.enrollmentToken));
  });
  run();
  ctx.log.info('kiosk enrolled', { kioskId, layout: req.layoutName ?? null });
  return {
    kioskId,
    kioskSecret: secret.toString('base64'),
    badgePublicKey: publicKeyPem(ctx.keys.badgePublicKey),
    serverTime: iso(now),
    pickupWindowDays: ctx.pickupWindowDays,
  };
}

export const ENROLLMENT_DEFAULT_TTL_MS = DAY_MS;
