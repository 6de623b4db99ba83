import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadgeId, BadgeRequest, EnrollmentTokenRequest } from '../../src-shared/sync-protocol';
import { checkPassword, signInAuditName } from '../auth/accounts';
import { audit, readAudit } from '../auth/audit';
import { clearSessionCookie, endSession, endSessions, startSession } from '../auth/sessions';
import type { ServerContext } from '../context';
import { HttpError, parseOr400 } from '../http/errors';
import { requireAction } from '../http/guard';
import { issueBadge, listBadges, revokeBadgeIn } from '../services/badges';
import { createEnrollmentToken } from '../services/enrollment';
import { fleetSnapshot } from '../services/fleet';

const SignIn = z.object({ email: z.string().max(254), password: z.string().max(200) }).strict();
const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.iso.datetime({ offset: true }).optional() }).strict();
const BadgeParams = z.object({ id: BadgeId }).strict();

/**
 * The console's session and fleet API (ADR operator-auth). Every route but sign-in needs a session and names its
 * action of the role table (auth/roles.ts); the guard checks both, and the CSRF token on every state change, before
 * the route runs. Operator and carrier-key management are in operators.ts and carrier-keys.ts.
 */
export function consoleRoutes(app: FastifyInstance, ctx: ServerContext, pendingNotifications: () => Promise<number>): void {
  const db = ctx.store.db;

  app.post('/console/api/sign-in', { config: { auth: 'signin' } }, async (req, reply) => {
    sameOrigin(req);
    const body = parseOr400(SignIn, req.body, 'body');
    const r = await checkPassword(ctx, body.email, body.password);
    const who = { id: r.ok ? r.operator.id : null, email: r.ok ? r.operator.email : await signInAuditName(ctx, body.email) };
    if (!r.ok) {
      const action = r.reason === 'wrong' ? 'signin' : r.lockedNow ? 'signin.locked' : 'signin.while-locked';
      await audit(ctx, db, req, { action, outcome: 'refused', who });
      if (r.reason === 'wrong') throw new HttpError('UNAUTHORIZED', 'wrong e-mail or password');
      const minutes = Math.ceil(r.retryAfterMs / 60_000);
      void reply.header('retry-after', String(Math.ceil(r.retryAfterMs / 1000)));
      throw new HttpError('RATE_LIMITED', `too many wrong passwords for this account: try again in ${minutes} min`);
    }
    const csrfToken = await ctx.store.tx(async (q) => {
      const t = await startSession(ctx, q, req, reply, r.operator);
      await audit(ctx, q, req, { action: 'signin', who });
      return t;
    });
    return { operator: r.operator, csrfToken };
  });

  // `beforeOwnPassword`: an operator whose password an admin reset may still see the session, sign out, and change it.
  app.get('/console/api/session', { config: { action: 'view', beforeOwnPassword: true } }, async (req) => {
    const op = req.operator!;
    return { operator: { id: op.id, email: op.email, name: op.name, role: op.role, mustChangePassword: op.mustChangePassword }, csrfToken: op.csrfToken };
  });

  app.post('/console/api/sign-out', { config: { action: 'view', beforeOwnPassword: true } }, async (req, reply) => {
    await ctx.store.tx(async (q) => {
      await endSession(q, req.operator!.sessionHash);
      await audit(ctx, q, req, { action: 'signout' });
    });
    clearSessionCookie(req, reply);
    return { signedOut: true };
  });

  /** Ends every session of the signed-in operator, this one included (a lost laptop, a shared PC). */
  app.post('/console/api/sign-out-everywhere', { config: { action: 'view', beforeOwnPassword: true } }, async (req, reply) => {
    const ended = await ctx.store.tx(async (q) => {
      const n = await endSessions(q, req.operator!.id);
      await audit(ctx, q, req, { action: 'signout.everywhere', target: req.operator!.email, detail: { sessions: n } });
      return n;
    });
    clearSessionCookie(req, reply);
    return { sessionsEnded: ended };
  });

  app.get('/console/api/kiosks', { config: { action: 'view' } }, async () => {
    return { kiosks: await fleetSnapshot(ctx), notificationsWaiting: await pendingNotifications() };
  });

  app.get('/console/api/audit', { config: { action: 'audit.view', query: true } }, async (req) => {
    const { limit, before } = parseOr400(AuditQuery, req.query, 'query');
    return { entries: await readAudit(ctx, { limit, before: before ? Date.parse(before) : undefined }) };
  });

  // Badges and enrollment tokens from the console (pages/Badges.tsx). Listing is viewing; the token is never listed.
  app.get('/console/api/badges', { config: { action: 'view' } }, async () => ({ badges: await listBadges(ctx) }));

  app.post('/console/api/badges', { config: { action: 'badge.issue' } }, async (req, reply) => {
    const body = parseOr400(BadgeRequest, req.body, 'body');
    // The guard allowed `badge.issue` (a driver's); a technician's is its own action of the table.
    if (body.role === 'technician') await requireAction(ctx, req, 'badge.issue.technician');
    // The badge and its audit row commit together: no badge the audit log does not name, no entry for one not made.
    const badge = await ctx.store.tx(async (q) => {
      const b = await issueBadge(ctx, body, q);
      await audit(ctx, q, req, { action: 'badge.issue', target: b.badgeId, detail: { role: body.role, name: body.name, ttlHours: body.ttlHours } });
      return b;
    });
    return reply.status(201).send(badge);
  });

  app.post('/console/api/badges/:id/revoke', { config: { action: 'badge.revoke' } }, async (req) => {
    const { id } = parseOr400(BadgeParams, req.params, 'params');
    return ctx.store.tx(async (q) => {
      const r = await revokeBadgeIn(ctx, q, id);
      await audit(ctx, q, req, { action: 'badge.revoke', target: id });
      return r;
    });
  });

  app.post('/console/api/enrollment-tokens', { config: { action: 'enrollment.create' } }, async (req, reply) => {
    const body = parseOr400(EnrollmentTokenRequest, req.body ?? {}, 'body');
    const t = await ctx.store.tx(async (q) => {
      const made = await createEnrollmentToken(ctx, body.ttlHours, body.timeZone, q);
      await audit(ctx, q, req, { action: 'enrollment.create', detail: { ttlHours: body.ttlHours, expiresAt: made.expiresAt, timeZone: body.timeZone ?? null } });
      return made;
    });
    return reply.status(201).send(t);
  });
}

/**
 * Sign-in has no session, hence no CSRF token yet (login CSRF): it takes JSON only (a cross-site form cannot send it
 * without a CORS preflight this server never grants), and a browser's Origin, when sent, must be this host.
 */
function sameOrigin(req: FastifyRequest): void {
  const o = req.headers.origin;
  if (o === undefined) return;
  let host: string;
  try {
    host = new URL(o).host;
  } catch {
    throw new HttpError('FORBIDDEN', 'sign-in from another site refused');
  }
  if (host !== req.headers.host) throw new HttpError('FORBIDDEN', 'sign-in from another site refused');
}
