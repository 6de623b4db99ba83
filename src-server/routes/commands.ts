import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CompartmentId } from '../../src-shared/api/common';
import { KioskId } from '../../src-shared/sync-protocol';
import { audit } from '../auth/audit';
import type { ServerContext } from '../context';
import { requireKiosk } from '../http/auth';
import { HttpError, parseOr400 } from '../http/errors';
import { commandHistory, issueCommand, pendingCommands, type NewCommand } from '../services/commands';
import { kioskDetail } from '../services/kiosk-detail';

const Params = z.object({ id: KioskId }).strict();
const Reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(200);
/** Opening a door needs the admin role (roles.ts), a reason and an explicit confirmation (the console's dialog). */
const DoorOpenBody = z.object({ compartmentId: CompartmentId, reason: Reason, confirm: z.literal(true) }).strict();
const ServiceBody = z.object({ compartmentId: CompartmentId, inService: z.boolean(), reason: Reason }).strict();

/**
 * Remote commands and the kiosk page (issue 12, ADR remote-commands). Console routes name their action of the role
 * table: opening a door is `door.open` (admin), out of service / back is `compartment.service` (operator and admin).
 * The kiosk fetches its queue at GET /v1/kiosks/:id/commands (signed, like the manifest).
 */
export function commandRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const db = ctx.store.db;

  const issue = async (req: FastifyRequest, c: Omit<NewCommand, 'kioskId' | 'operator'>, action: string) => {
    const { id } = parseOr400(Params, req.params, 'params');
    const op = req.operator!;
    const cmd = await ctx.store.tx(async (q) => {
      const made = await issueCommand(ctx, q, { ...c, kioskId: id, operator: { id: op.id, email: op.email } });
      await audit(ctx, q, req, { action, target: `${id}/${c.compartmentId}`, detail: { commandId: made.commandId, op: c.op, reason: c.reason } });
      return made;
    });
    ctx.push.commandsQueued(id);
    return cmd;
  };

  app.post('/console/api/kiosks/:id/door-open', { config: { action: 'door.open' } }, async (req, reply) => {
    const body = parseOr400(DoorOpenBody, req.body, 'body');
    return reply.status(201).send(await issue(req, { op: 'door.open', compartmentId: body.compartmentId, reason: body.reason }, 'door.open'));
  });

  app.post('/console/api/kiosks/:id/compartment-service', { config: { action: 'compartment.service' } }, async (req, reply) => {
    const body = parseOr400(ServiceBody, req.body, 'body');
    const op = body.inService ? 'compartment.in_service' : 'compartment.out_of_service';
    return reply.status(201).send(await issue(req, { op, compartmentId: body.compartmentId, reason: body.reason }, 'compartment.service'));
  });

  app.get('/console/api/kiosks/:id', { config: { action: 'view' } }, async (req) => {
    const { id } = parseOr400(Params, req.params, 'params');
    const detail = await kioskDetail(ctx, id);
    if (!detail) throw new HttpError('NOT_FOUND', 'no such kiosk');
    return { ...detail, commands: await commandHistory(ctx, db, id) };
  });

  app.get('/v1/kiosks/:id/commands', async (req) =>
    ctx.store.tx(async (q) => pendingCommands(ctx, q, await requireKiosk(ctx, req, q)), { durability: 'relaxed' }),
  );
}
