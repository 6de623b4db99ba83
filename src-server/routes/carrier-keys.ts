import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../auth/audit';
import { createCarrierKey, CreateCarrierKey, listCarrierKeys, revokeCarrierKey } from '../auth/carrier-keys';
import type { ServerContext } from '../context';
import { parseOr400 } from '../http/errors';

const IdParams = z.object({ id: z.string().regex(/^ck_[A-Za-z0-9]{12}$/) }).strict();

/** Carrier API keys in the console (action `carrier-keys.manage`: admins). The key itself is in the create answer only. */
export function carrierKeyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const manage = { config: { action: 'carrier-keys.manage' as const } };

  app.get('/console/api/carrier-keys', manage, async () => ({ keys: await listCarrierKeys(ctx.store.db) }));

  app.post('/console/api/carrier-keys', manage, async (req, reply) => {
    const body = parseOr400(CreateCarrierKey, req.body, 'body');
    const created = await ctx.store.tx(async (q) => {
      const k = await createCarrierKey(ctx, q, req.operator!.email, body);
      await audit(ctx, q, req, { action: 'carrier-key.create', target: k.id, detail: { carrier: k.carrier, prefix: k.prefix, kiosks: k.kiosks } });
      return k;
    });
    return reply.status(201).send(created);
  });

  app.post('/console/api/carrier-keys/:id/revoke', manage, async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params');
    return ctx.store.tx(async (q) => {
      const k = await revokeCarrierKey(ctx, q, id);
      await audit(ctx, q, req, { action: 'carrier-key.revoke', target: id, detail: { carrier: k.carrier } });
      return k;
    });
  });
}
