import type { BadgeResponse, BadgeRole } from '../../src-shared/sync-protocol';
import { signBadge } from '../auth/badges';
import { iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import { appendToAll } from './manifest-log';

export async function issueBadge(ctx: ServerContext, req: { role: BadgeRole; name: string; ttlHours: number }): Promise<BadgeResponse> {
  const now = ctx.now();
  const badgeId = randomId('b_', 12);
  const exp = Math.floor((now + req.ttlHours * 3600_000) / 1000);
  await ctx.store.db.insertInto('badges').values({ id: badgeId, role: req.role, name: req.name, issued_at: now, expires_at: exp * 1000 }).execute();
  const token = signBadge({ bid: badgeId, role: req.role, name: req.name, exp }, ctx.keys.badgePrivateKey);
  ctx.log.info('badge issued', { badgeId, role: req.role });
  return { badgeId, token, expiresAt: iso(exp * 1000) };
}

/**
 * Revocation reaches every kiosk through the manifest. Revoking twice is a no-op: the conditional update
 * (`… WHERE revoked_at IS NULL RETURNING`) lets exactly one of two concurrent calls append the change.
 */
export async function revokeBadge(ctx: ServerContext, badgeId: string): Promise<{ badgeId: string; revokedAt: string }> {
  return ctx.store.tx(async (q) => {
    const now = ctx.now();
    const won = await q.updateTable('badges').set({ revoked_at: now }).where('id', '=', badgeId).where('revoked_at', 'is', null).returning('id').executeTakeFirst();
    if (!won) {
      const b = await q.selectFrom('badges').select('revoked_at').where('id', '=', badgeId).executeTakeFirst();
      if (!b) throw new HttpError('NOT_FOUND', `unknown badge ${badgeId}`);
      return { badgeId, revokedAt: iso(b.revoked_at!) };
    }
    await appendToAll(ctx, q, 'badge_revoked', { badgeId, revokedAt: iso(now) });
    ctx.log.info('badge revoked', { badgeId });
    return { badgeId, revokedAt: iso(now) };
  });
}
