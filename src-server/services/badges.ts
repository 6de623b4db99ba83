import type { BadgeResponse, BadgeRole } from '../../src-shared/sync-protocol';
import { signBadge } from '../auth/badges';
import { iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import { appendChange } from './manifest-log';

export function issueBadge(ctx: ServerContext, req: { role: BadgeRole; name: string; ttlHours: number }): BadgeResponse {
  const now = ctx.now();
  const badgeId = randomId('b_', 12);
  const exp = Math.floor((now + req.ttlHours * 3600_000) / 1000);
  ctx.db.prepare('INSERT INTO badges (id, role, name, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(badgeId, req.role, req.name, now, exp * 1000);
  const token = signBadge({ bid: badgeId, role: req.role, name: req.name, exp }, ctx.keys.badgePrivateKey);
  ctx.log.info('badge issued', { badgeId, role: req.role });
  return { badgeId, token, expiresAt: iso(exp * 1000) };
}

/** Revocation reaches every kiosk through the manifest. Revoking twice is a no-op. */
export function revokeBadge(ctx: ServerContext, badgeId: string): { badgeId: string; revokedAt: string } {
  return ctx.db.transaction(() => {
    const b = ctx.db.prepare('SELECT revoked_at FROM badges WHERE id = ?').get(badgeId) as { revoked_at: number | null } | undefined;
    if (!b) throw new HttpError('NOT_FOUND', `unknown badge ${badgeId}`);
    if (b.revoked_at !== null) return { badgeId, revokedAt: iso(b.revoked_at) };
    const now = ctx.now();
    ctx.db.prepare('UPDATE badges SET revoked_at = ? WHERE id = ?').run(now, badgeId);
    appendChange(ctx, null, 'badge_revoked', { badgeId, revokedAt: iso(now) });
    ctx.log.info('badge revoked', { badgeId });
    return { badgeId, revokedAt: iso(now) };
  })();
}
