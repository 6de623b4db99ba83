import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createOperator, Email, listOperators, OperatorName, Password, RoleSchema, toOperator } from '../auth/accounts';
import { audit } from '../auth/audit';
import { endSessions } from '../auth/sessions';
import type { ServerContext } from '../context';
import { HttpError, parseOr400 } from '../http/errors';
import type { Q } from '../store/db';

const CreateBody = z.object({ email: Email, name: OperatorName, role: RoleSchema, password: Password }).strict();
const ChangeBody = z.object({ role: RoleSchema.optional(), disabled: z.boolean().optional() }).strict();
/** `:id` of an operator route (also the password reset's, routes/passwords.ts). */
export const OperatorIdParams = z.object({ id: z.string().regex(/^op_[A-Za-z0-9]{16}$/) }).strict();

/**
 * Managing operators (action `operators.manage`: admins). A role change or a disable ends the operator's sessions at
 * once (their next request is 401), and the fleet always keeps one enabled admin.
 */
export function operatorRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const manage = { config: { action: 'operators.manage' as const } };

  app.get('/console/api/operators', manage, async () => ({ operators: await listOperators(ctx.store.db) }));

  app.post('/console/api/operators', manage, async (req, reply) => {
    const body = parseOr400(CreateBody, req.body, 'body');
    const op = await ctx.store.tx(async (q) => {
      const created = await createOperator(q, ctx.now(), body);
      await audit(ctx, q, req, { action: 'operator.create', target: created.email, detail: { role: created.role } });
      return created;
    });
    return reply.status(201).send(op);
  });

  app.patch('/console/api/operators/:id', manage, async (req) => {
    const { id } = parseOr400(OperatorIdParams, req.params, 'params');
    const change = parseOr400(ChangeBody, req.body, 'body');
    return ctx.store.tx(async (q) => {
      const before = await q.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
      if (!before) throw new HttpError('NOT_FOUND', `no operator ${id}`);
      const role = change.role ?? before.role;
      const disabledAt = change.disabled === undefined ? before.disabled_at : change.disabled ? (before.disabled_at ?? ctx.now()) : null;
      await q.updateTable('operators').set({ role, disabled_at: disabledAt }).where('id', '=', id).execute();
      await keepAnAdmin(q);
      const ended = role !== before.role || (disabledAt !== null && before.disabled_at === null) ? await endSessions(q, id) : 0;
      await audit(ctx, q, req, {
        action: 'operator.change',
        target: before.email,
        detail: { ...(change.role !== undefined ? { role: { from: before.role, to: role } } : {}), ...(change.disabled !== undefined ? { disabled: change.disabled } : {}), sessionsEnded: ended },
      });
      return toOperator({ ...before, role, disabled_at: disabledAt });
    });
  });

  app.post('/console/api/operators/:id/sign-out', manage, async (req) => {
    const { id } = parseOr400(OperatorIdParams, req.params, 'params');
    return ctx.store.tx(async (q) => {
      const op = await q.selectFrom('operators').select('email').where('id', '=', id).executeTakeFirst();
      if (!op) throw new HttpError('NOT_FOUND', `no operator ${id}`);
      const n = await endSessions(q, id);
      await audit(ctx, q, req, { action: 'operator.signout', target: op.email, detail: { sessions: n } });
      return { sessionsEnded: n };
    });
  });
}

/** Refuses (and so rolls back) a change that would leave no enabled admin: nobody could manage operators any more. */
async function keepAnAdmin(q: Q): Promise<void> {
  const r = await q.selectFrom('operators').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'admin').where('disabled_at', 'is', null).executeTakeFirst();
  if (Number(r?.n ?? 0) === 0) throw new HttpError('INVALID_STATE', 'the fleet needs at least one enabled admin: make another admin first');
}
