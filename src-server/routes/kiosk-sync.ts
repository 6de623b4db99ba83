import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EnrollRequest, EventsRequest, HeartbeatRequest, ManifestQuery } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { requireKiosk } from '../http/auth';
import { parseOr400 } from '../http/errors';
import { GroupCommit } from '../store/group-commit';
import { withDurability, type Durability } from '../store/durability';
import { enroll } from '../services/enrollment';
import { applyEvents } from '../services/events';
import { recordHeartbeat } from '../services/heartbeat';
import { readManifest } from '../services/manifest';

/**
 * The kiosk-facing API (§6). All but enroll are signed; see src-shared/sync-protocol.ts.
 * Each signed call runs as one transaction with its nonce: one commit (one fsync) per request, and a request
 * refused for bad input leaves no trace, not even a spent nonce.
 */
export function kioskSyncRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const signed = <T>(req: FastifyRequest, durability: Durability, handle: (kioskId: string) => T): T =>
    withDurability(ctx, durability, () => ctx.db.transaction(() => handle(requireKiosk(ctx, req)))());

  app.post('/v1/kiosks/enroll', async (req) => enroll(ctx, parseOr400(EnrollRequest, req.body, 'body')));

  app.get('/v1/kiosks/:id/manifest', { config: { query: true } }, async (req) =>
    signed(req, 'relaxed', (kioskId) => {
      const q = parseOr400(ManifestQuery, req.query, 'query');
      return readManifest(ctx, kioskId, Number(q.cursor), q.limit);
    }),
  );

  // Acks must be durable (the kiosk then forgets the events), so batches share fsynced group commits.
  const group = new GroupCommit(ctx.db);
  app.post('/v1/kiosks/:id/events', async (req) =>
    group.submit(() => applyEvents(ctx, requireKiosk(ctx, req), parseOr400(EventsRequest, req.body, 'body').events)),
  );

  app.post('/v1/kiosks/:id/heartbeat', async (req) =>
    signed(req, 'relaxed', (kioskId) => recordHeartbeat(ctx, kioskId, parseOr400(HeartbeatRequest, req.body, 'body'), req.kioskTime!)),
  );
}
