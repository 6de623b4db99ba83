import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Barcode } from '../../src-shared/api/common';
import { BadgeId, BadgeRequest, EnrollmentTokenRequest, ExtendRequest, KioskId, ShipmentRequest } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { requireAdmin } from '../http/auth';
import { HttpError, parseOr400 } from '../http/errors';
import { issueBadge, revokeBadge } from '../services/badges';
import { createEnrollmentToken } from '../services/enrollment';
import { cancelShipment, createShipment, extendShipment, parcelView } from '../services/shipments';
import { fleetSnapshot, kioskEvents } from '../services/fleet';

const BarcodeParams = z.object({ barcode: Barcode }).strict();
const BadgeParams = z.object({ id: BadgeId }).strict();
const KioskParams = z.object({ id: KioskId }).strict();
const EventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1000) }).strict();

/** Carrier intake and administration; every route needs the admin key. */
export function carrierRoutes(app: FastifyInstance, ctx: ServerContext, hooks: { sweep(): unknown; drainNotifications(): Promise<void> }): void {
  app.post('/v1/shipments', async (req, reply) => {
    requireAdmin(ctx, req);
    const { code: _code, ...created } = await createShipment(ctx, parseOr400(ShipmentRequest, req.body, 'body'));
    return reply.status(201).send(created);
  });

  app.delete('/v1/shipments/:barcode', async (req) => {
    requireAdmin(ctx, req);
    return cancelShipment(ctx, parseOr400(BarcodeParams, req.params, 'params').barcode);
  });

  app.post('/v1/shipments/:barcode/extend', async (req) => {
    requireAdmin(ctx, req);
    const { barcode } = parseOr400(BarcodeParams, req.params, 'params');
    return extendShipment(ctx, barcode, parseOr400(ExtendRequest, req.body, 'body').days);
  });

  app.get('/v1/parcels/:barcode', async (req) => {
    requireAdmin(ctx, req);
    const { barcode } = parseOr400(BarcodeParams, req.params, 'params');
    const v = await parcelView(ctx, barcode);
    if (!v) throw new HttpError('NOT_FOUND', `no parcel with barcode ${barcode}`);
    return v;
  });

  app.post('/v1/enrollment-tokens', async (req, reply) => {
    requireAdmin(ctx, req);
    const body = parseOr400(EnrollmentTokenRequest, req.body ?? {}, 'body');
    return reply.status(201).send(await createEnrollmentToken(ctx, body.ttlHours));
  });

  app.post('/v1/badges', async (req, reply) => {
    requireAdmin(ctx, req);
    return reply.status(201).send(await issueBadge(ctx, parseOr400(BadgeRequest, req.body, 'body')));
  });

  app.post('/v1/badges/:id/revoke', async (req) => {
    requireAdmin(ctx, req);
    return revokeBadge(ctx, parseOr400(BadgeParams, req.params, 'params').id);
  });

  app.get('/v1/admin/kiosks', async (req) => {
    requireAdmin(ctx, req);
    return { kiosks: await fleetSnapshot(ctx) };
  });

  /** The events a kiosk delivered, as stored (for carriers, support, and the sync tests' "count them on the server"). */
  app.get('/v1/admin/kiosks/:id/events', { config: { query: true } }, async (req) => {
    requireAdmin(ctx, req);
    const { id } = parseOr400(KioskParams, req.params, 'params');
    const { limit } = parseOr400(EventsQuery, req.query, 'query');
    return kioskEvents(ctx, id, limit);
  });

  /** Run the reminder sweep now and deliver what is due (otherwise both run on timers). */
  app.post('/v1/admin/sweep', async (req) => {
    requireAdmin(ctx, req);
    const r = await hooks.sweep();
    await hooks.drainNotifications();
    return r;
  });
}
