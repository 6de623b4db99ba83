import type { FastifyInstance } from 'fastify';
import { EnrollRequest, EventsRequest, HeartbeatRequest, ManifestQuery } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { requireKiosk } from '../http/auth';
import { parseOr400 } from '../http/errors';
import { enroll } from '../services/enrollment';
import { applyEvents } from '../services/events';
import { recordHeartbeat } from '../services/heartbeat';
import { readManifest } from '../services/manifest';

/** The kiosk-facing API (§6). All but enroll are signed; see src-shared/sync-protocol.ts. */
export function kioskSyncRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/kiosks/enroll', async (req) => enroll(ctx, parseOr400(EnrollRequest, req.body, 'body')));

  app.get('/v1/kiosks/:id/manifest', async (req) => {
    const kioskId = requireKiosk(ctx, req);
    const q = parseOr400(ManifestQuery, req.query, 'query');
    return readManifest(ctx, kioskId, Number(q.cursor), q.limit);
  });

  app.post('/v1/kiosks/:id/events', async (req) => {
    const kioskId = requireKiosk(ctx, req);
    return applyEvents(ctx, kioskId, parseOr400(EventsRequest, req.body, 'body').events);
  });

  app.post('/v1/kiosks/:id/heartbeat', async (req) => {
    const kioskId = requireKiosk(ctx, req);
    return recordHeartbeat(ctx, kioskId, parseOr400(HeartbeatRequest, req.body, 'body'), req.kioskTime!);
  });
}
