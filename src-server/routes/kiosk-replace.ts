import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { KioskId } from '../../src-shared/sync-protocol';
import { audit } from '../auth/audit';
import type { ServerContext } from '../context';
import { parseOr400 } from '../http/errors';
import { createReenrollmentToken } from '../services/reenroll';

const Params = z.object({ id: KioskId }).strict();
const Body = z.object({ ttlHours: z.number().int().min(1).max(24 * 7).default(24) }).strict();

/**
 * Replacing a kiosk PC from the console (issue 12, ADR return-reenroll): a one-time re-enrollment token for an existing
 * kiosk id, admin only (`kiosk.replace` in roles.ts), audited in the same transaction. The token is in the answer once
 * (the console shows it as a QR for the technician); only its hash is stored. Its use is the ordinary enrollment call.
 */
export function kioskReplaceRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/console/api/kiosks/:id/reenrollment-token', { config: { action: 'kiosk.replace' } }, async (req, reply) => {
    const { id } = parseOr400(Params, req.params, 'params');
    const { ttlHours } = parseOr400(Body, req.body ?? {}, 'body');
    const t = await ctx.store.tx(async (q) => {
      const made = await createReenrollmentToken(ctx, q, id, ttlHours);
      await audit(ctx, q, req, { action: 'kiosk.replace', target: id, detail: { ttlHours, expiresAt: made.expiresAt } });
      return made;
    });
    return reply.status(201).send(t);
  });
}
