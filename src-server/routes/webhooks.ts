import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../auth/audit';
import type { ServerContext } from '../context';
import { parseOr400 } from '../http/errors';
import { clearWebhook, listDeliveries, SetWebhook, setWebhook } from '../services/webhooks';

const KeyId = z.string().regex(/^ck_[A-Za-z0-9]{12}$/);
const IdParams = z.object({ id: KeyId }).strict();
const LogQuery = z.object({ key: KeyId.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/**
 * Carrier webhooks in the console (ADR alerts-webhooks), under the carrier keys' action `carrier-keys.manage` (admins):
 * a webhook is part of a carrier's credentials (its secret signs what the carrier trusts). The secret is in the set
 * answer only; the audit entry records the URL, never the secret.
 */
export function webhookRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const manage = { config: { action: 'carrier-keys.manage' as const } };

  app.put('/console/api/carrier-keys/:id/webhook', manage, async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params');
    const body = parseOr400(SetWebhook, req.body, 'body');
    return ctx.store.tx(async (q) => {
      const set = await setWebhook(ctx, q, id, body);
      await audit(ctx, q, req, { action: 'carrier-webhook.set', target: id, detail: { url: set.url, secretGiven: body.secret !== undefined } });
      return set;
    });
  });

  app.delete('/console/api/carrier-keys/:id/webhook', manage, async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params');
    await ctx.store.tx(async (q) => {
      await clearWebhook(q, id);
      await audit(ctx, q, req, { action: 'carrier-webhook.clear', target: id });
    });
    return { keyId: id, url: null };
  });

  app.get('/console/api/webhooks', manage, async () => ({
    webhooks: (await ctx.store.db.selectFrom('carrier_keys').select(['id', 'carrier', 'key_prefix', 'webhook_url']).where('revoked_at', 'is', null).orderBy('carrier').orderBy('created_at').execute()).map((k) => ({
      keyId: k.id,
      carrier: k.carrier,
      prefix: k.key_prefix,
      url: k.webhook_url,
    })),
  }));

  app.get('/console/api/webhooks/deliveries', { config: { action: 'carrier-keys.manage' as const, query: true } }, async (req) => {
    const o = parseOr400(LogQuery, req.query, 'query');
    return { deliveries: await listDeliveries(ctx.store.db, { keyId: o.key, limit: o.limit }) };
  });
}
