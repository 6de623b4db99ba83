import type { BadgeResponse, BadgeRole } from '../../src-shared/sync-protocol';
import { signBadge } from '../auth/badges';
import { iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import type { Q } from '../store/db';
import { appendToAll } from './manifest-log';

/** Issues a signed badge; the token is in the answer only. `q`: the caller's transaction (it audits in the same one). */
export async function issueBadge(ctx: ServerContext, req: { role: BadgeRole; name: string; ttlHours: number }, q: Q = ctx.store.db): Promise<BadgeResponse> {
  const now = ctx.now();
  const badgeId = randomId('b_', 12);
  const exp = Math.floor((now + req.ttlHours * 3600_000) / 1000);
  await q.insertInto('badges').values({ id: badgeId, role: req.role, name: req.name, issued_at: now, expires_at: exp * 1000 }).execute();
  const token = signBadge({ bid: badgeId, role: req.role, name: req.name, exp }, ctx.keys.badgePrivateKey);
  ctx.store.afterCommit(q, () => ctx.log.info('badge issued', { badgeId, role: req.role }));
  return { badgeId, token, expiresAt: iso(exp * 1000) };
}

/**
 * Revocation reaches every kiosk through the manifest. Revoking twice is a no-op: the conditional update
 * (`… WHERE revoked_at IS NULL RETURNING`) lets exactly one of two concurrent calls append the change.
 */
export async function revokeBadge(ctx: ServerContext, badgeId: string): Promise<{ badgeId: string; revokedAt: string }> {
  return ctx.store.tx((q) => revokeBadgeIn(ctx, q, badgeId));
}

/** revokeBadge inside the caller's transaction `q` (the caller audits in the same one). */
export async function revokeBadgeIn(ctx: ServerContext, q: Q, badgeId: string): Promise<{ badgeId: string; revokedAt: string }> {
  const now = ctx.now();
  const won = await q.updateTable('badges').set({ revoked_at: now }).where('id', '=', badgeId).where('revoked_at', 'is', null).returning('id').executeTakeFirst();
  if (!won) {
    const b = await q.selectFrom('badges').select('revoked_at').where('id', '=', badgeId).executeTakeFirst();
    if (!b) throw new HttpError('NOT_FOUND', `unknown badge ${badgeId}`);
    return { badgeId, revokedAt: iso(b.revoked_at!) };
  }
  await appendToAll(ctx, q, 'badge_revoked', { badgeId, revokedAt: iso(now) });
  ctx.store.afterCommit(q, () => ctx.log.info('badge revoked', { badgeId }));
  return { badgeId, revokedAt: iso(now) };
}

/** A badge as the console lists it: never its token (shown once, at issue). Times are ISO instants. */
export interface BadgeRow {
  badgeId: string;
  role: BadgeRole;
  name: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/**
 * The console's badge list, newest first, at most `limit` (1–500). Expired badges older than a week drop off: they
 * open nothing and only crowd the list (the audit log keeps who issued and revoked them).
 */
export async function listBadges(ctx: ServerContext, limit = 200): Promise<BadgeRow[]> {
  const since = ctx.now() - 7 * 86_400_000;
  const rows = await ctx.store.db.selectFrom('badges').selectAll().where('expires_at', '>', since).orderBy('issued_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map((b) => ({ badgeId: b.id, role: b.role, name: b.name, issuedAt: iso(b.issued_at), expiresAt: iso(b.expires_at), revokedAt: b.revoked_at === null ? null : iso(b.revoked_at) }));
}
