import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { checkPassword, hashPassword, Password } from '../auth/accounts';
import { audit } from '../auth/audit';
import { generatePassword, storePasswordHash } from '../auth/passwords';
import { endSessions } from '../auth/sessions';
import type { ServerContext } from '../context';
import { HttpError, parseOr400 } from '../http/errors';
import { OperatorIdParams } from './operators';

// The new password twice is the form's check; the API takes it once.
const ChangeOwnBody = z
  .object({ currentPassword: z.string().max(200), newPassword: Password })
  .strict()
  .refine((b) => b.newPassword !== b.currentPassword, { message: 'must differ from the current password', path: ['newPassword'] });

/**
 * Passwords from the console (red-team finding A, ADR 0028 password-reset). Both are audited; neither the old nor the
 * new password ever reaches the log.
 * - `POST /console/api/password` (`password.change`, every role): the current password, checked like a sign-in (a
 *   wrong one counts towards the account's lockout, so a stolen session cannot guess it), then the new one. Every
 *   other session of the operator ends; this one stays.
 * - `POST /console/api/operators/:id/password` (`password.reset`, admins): a generated password, answered once; all
 *   the operator's sessions end and they must choose their own at their next sign-in (guard.ts).
 */
export function passwordRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/console/api/password', { config: { action: 'password.change', beforeOwnPassword: true } }, async (req, reply) => {
    const op = req.operator!;
    const body = parseOr400(ChangeOwnBody, req.body, 'body');
    const r = await checkPassword(ctx, op.email, body.currentPassword);
    if (!r.ok || r.operator.id !== op.id) {
      const why = r.ok ? 'another account' : r.reason === 'wrong' ? 'current password wrong' : r.lockedNow ? 'locked now' : 'locked';
      await audit(ctx, ctx.store.db, req, { action: 'password.change', target: op.email, outcome: 'refused', detail: { why } });
      if (!r.ok && r.reason === 'locked') {
        void reply.header('retry-after', String(Math.ceil(r.retryAfterMs / 1000)));
        throw new HttpError('RATE_LIMITED', `too many wrong passwords for this account: try again in ${Math.ceil(r.retryAfterMs / 60_000)} min`);
      }
      // 403, not 401: the session is fine, and a 401 would send the console back to sign-in.
      throw new HttpError('FORBIDDEN', 'the current password is not right: nothing was changed');
    }
    // argon2 outside the transaction: ~50 ms of hashing holds no lock.
    const hash = await hashPassword(body.newPassword);
    const otherSessionsEnded = await ctx.store.tx(async (q) => {
      await storePasswordHash(q, op.id, hash, null);
      const n = await endSessions(q, op.id, { except: op.sessionHash });
      await audit(ctx, q, req, { action: 'password.change', target: op.email, detail: { otherSessionsEnded: n, ...(op.mustChangePassword ? { afterReset: true } : {}) } });
      return n;
    });
    return { changed: true, otherSessionsEnded };
  });

  app.post('/console/api/operators/:id/password', { config: { action: 'password.reset' } }, async (req) => {
    const { id } = parseOr400(OperatorIdParams, req.params, 'params');
    // Resetting one's own would skip proving the current password: that is what Change my password is for.
    if (id === req.operator!.id) throw new HttpError('INVALID_STATE', 'change your own password under Change my password (it asks for the current one)');
    const temporaryPassword = generatePassword();
    const hash = await hashPassword(temporaryPassword);
    return ctx.store.tx(async (q) => {
      const target = await q.selectFrom('operators').select('email').where('id', '=', id).executeTakeFirst();
      if (!target || !(await storePasswordHash(q, id, hash, ctx.now()))) throw new HttpError('NOT_FOUND', `no operator ${id}`);
      const sessionsEnded = await endSessions(q, id);
      // The usual reason for a reset is a locked-out operator: the old password is dead now, so the lock that guarded
      // it goes too (red team 12b: the temporary password met "try again in 15 min").
      await q.deleteFrom('signin_failures').where('email', '=', target.email).execute();
      await audit(ctx, q, req, { action: 'password.reset', target: target.email, detail: { sessionsEnded } });
      return { email: target.email, temporaryPassword, sessionsEnded };
    });
  });
}
