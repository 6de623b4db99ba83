import type { FastifyInstance } from 'fastify';
import { LostCodeConfirm, LostCodeRequest, type LostCodeResponse } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { requireKiosk } from '../http/auth';
import { parseOr400 } from '../http/errors';
import { confirmLostCode, lostCode } from '../services/lost-code';

/**
 * `POST /v1/kiosks/:id/lost-code` (signed by the kiosk; ADR customer-self-service): a customer at that kiosk typed the
 * number their parcel was sent to. Always `{accepted: true}` (or 429 past the limits), whatever was found; with
 * `confirm: 'separately'` also a `ticket`, and nothing is re-issued until `POST /v1/kiosks/:id/lost-code/confirm`
 * brings it back (so a question that reaches the server after the kiosk gave up waiting changes nothing). Each is one
 * transaction with the request's nonce; the SMS worker is woken after the commit.
 */
export function lostCodeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/kiosks/:id/lost-code', async (req): Promise<LostCodeResponse> => {
    const { queued, ticket } = await ctx.store.tx(async (q) => {
      const kioskId = await requireKiosk(ctx, req, q);
      const body = parseOr400(LostCodeRequest, req.body, 'body');
      return lostCode(ctx, q, kioskId, body.phone, { separately: body.confirm === 'separately' });
    });
    if (queued > 0) ctx.notificationsQueued();
    return ticket ? { accepted: true, ticket } : { accepted: true };
  });

  app.post('/v1/kiosks/:id/lost-code/confirm', async (req): Promise<LostCodeResponse> => {
    const { queued } = await ctx.store.tx(async (q) => confirmLostCode(ctx, q, await requireKiosk(ctx, req, q), parseOr400(LostCodeConfirm, req.body, 'body').ticket));
    if (queued > 0) ctx.notificationsQueued();
    return { accepted: true };
  });
}
