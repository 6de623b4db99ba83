import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EnrollRequest, EventsRequest, HeartbeatRequest, ManifestQuery } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { requireKiosk } from '../http/auth';
import { parseOr400 } from '../http/errors';
import { GroupCommit } from '../store/group-commit';
import type { Durability, Q } from '../store/db';
import { enroll } from '../services/enrollment';
import { applyEvents } from '../services/events';
import { recordHeartbeat } from '../services/heartbeat';
import { readManifest } from '../services/manifest';

/**
 * The kiosk-facing API (§6). All but enroll are signed; see src-shared/sync-protocol.ts.
 * Each signed call runs as one transaction with its nonce: one commit per request (or per group commit on SQLite), and
 * a request refused for bad input leaves no trace, not even a spent nonce.
 */
export function kioskSyncRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const signed = <T>(req: FastifyRequest, durability: Durability, handle: (q: Q, kioskId: string) => Promise<T>): Promise<T> =>
    ctx.store.tx(async (q) => handle(q, await requireKiosk(ctx, req, q)), { durability });

  app.post('/v1/kiosks/enroll', async (req) => enroll(ctx, parseOr400(EnrollRequest, req.body, 'body')));

  app.get('/v1/kiosks/:id/manifest', { config: { query: true } }, async (req) =>
    signed(req, 'relaxed', (q, kioskId) => {
      const query = parseOr400(ManifestQuery, req.query, 'query');
      return readManifest(ctx, q, kioskId, Number(query.cursor), query.limit, query.lastEvent);
    }),
  );

  // Acks must be durable (the kiosk then forgets the events), so batches share fsynced group commits (SQLite).
  const group = new GroupCommit(ctx.store);
  app.post('/v1/kiosks/:id/events', async (req) => {
    const { queued, ...answer } = await group.submit(async (q) =>
      applyEvents(ctx, q, await requireKiosk(ctx, req, q), parseOr400(EventsRequest, req.body, 'body').events),
    );
    // After the commit: the worker must see only committed rows.
    if (queued > 0) ctx.notificationsQueued();
    return answer;
  });

  app.post('/v1/kiosks/:id/heartbeat', async (req) =>
    signed(req, 'relaxed', (q, kioskId) => recordHeartbeat(ctx, q, kioskId, parseOr400(HeartbeatRequest, req.body, 'body'), req.kioskTime!)),
  );
}
