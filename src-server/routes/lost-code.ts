import type { FastifyInstance } from 'fastify';
import { LostCodeRequest, type LostCodeResponse } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { requireKiosk } from '../http/auth';
import { parseOr400 } from '../http/errors';
import { lostCode } from '../services/lost-code';

/**
 * `POST /v1/kiosks/:id/lost-code` (signed by the kiosk; ADR customer-self-service): a customer at that kiosk typed the
 * number their parcel was sent to. Always `{accepted: true}` (or 429 past the limits), whatever was found. One
 * transaction with the request's nonce; the SMS worker is woken after the commit.
 */
export function lostCodeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/kiosks/:id/lost-code', async (req): Promise<LostCodeResponse> => {
    const { queued } = await ctx.store.tx(async (q) => lostCode(ctx, q, await requireKiosk(ctx, req, q), parseOr400(LostCodeRequest, req.body, 'body').phone));
    if (queued > 0) ctx.notificationsQueued();
    return { accepted: true };
  });
}
