import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Barcode } from '../../src-shared/api/common';
import { BadgeId, BadgeRequest, DropoffRequest, DropoffResponse, EnrollmentTokenRequest, ExtendRequest, KioskId, ShipmentRequest, ShipmentResponse } from '../../src-shared/sync-protocol';
import { audit } from '../auth/audit';
import { assertKiosk, carrierParcel } from '../auth/carrier-keys';
import type { ServerContext } from '../context';
import { parseOr400 } from '../http/errors';
import { issueBadge, revokeBadgeIn } from '../services/badges';
import { createEnrollmentToken } from '../services/enrollment';
import { cancelParcel, extendParcel, parcelView } from '../services/parcel-actions';
import { createShipment } from '../services/shipments';
import { createDropoff } from '../services/dropoffs';
import { fleetSnapshot, kioskEvents } from '../services/fleet';

const BarcodeParams = z.object({ barcode: Barcode }).strict();
const BadgeParams = z.object({ id: BadgeId }).strict();
const KioskParams = z.object({ id: KioskId }).strict();
const EventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1000) }).strict();

/** A carrier route called with the bootstrap admin key rather than a carrier's own key (a carrier is no operator). */
const byAdminKey = (req: FastifyRequest) => req.carrier?.kind === 'admin';

/**
 * Carrier intake (`auth: 'carrier'`: a per-carrier API key, scoped to its carrier's parcels and kiosks, or the
 * bootstrap admin key) and fleet administration (`admin`: the bootstrap admin key only; operators do these from the
 * console). The guard checks the credential before any body is read and sets req.carrier (http/guard.ts). What the
 * admin key does that an operator could do in the console is in the operator audit log as `admin-key`.
 */
export function carrierRoutes(app: FastifyInstance, ctx: ServerContext, hooks: { sweep(): unknown; drainNotifications(): Promise<void> }): void {
  const carrier = { config: { auth: 'carrier' as const } };

  app.post('/v1/shipments', carrier, async (req, reply) => {
    const body = parseOr400(ShipmentRequest, req.body, 'body');
    assertKiosk(req.carrier, body.kioskId);
    // Only the declared answer (zod drops every other key): the created parcel also carries the plaintext code, QR token
    // and check code for in-process callers, and the QR token alone opens the door (red team 12b: it leaked here).
    const created = await createShipment(ctx, body, req.carrier?.kind === 'carrier' ? req.carrier.carrier : null);
    return reply.status(201).send(ShipmentResponse.parse(created));
  });

  /** A drop-off (ADR drop-offs): the sender gets a code for this kiosk; capacity is reserved as for a shipment. */
  app.post('/v1/dropoffs', carrier, async (req, reply) => {
    const body = parseOr400(DropoffRequest, req.body, 'body');
    assertKiosk(req.carrier, body.kioskId);
    const created = await createDropoff(ctx, body, req.carrier?.kind === 'carrier' ? req.carrier.carrier : null);
    return reply.status(201).send(DropoffResponse.parse(created));
  });

  // Each resolves the caller's own parcel once (carrierParcel) and acts on its id: a barcode shared with another
  // carrier's parcel, or with an old finished one, never redirects the action (red-team finding 1).
  app.delete('/v1/shipments/:barcode', carrier, async (req) => {
    const { barcode } = parseOr400(BarcodeParams, req.params, 'params');
    const p = await carrierParcel(ctx, req.carrier, barcode);
    await ctx.store.tx(async (q) => {
      await cancelParcel(ctx, q, p.id);
      if (byAdminKey(req)) await audit(ctx, q, req, { action: 'parcel.cancel', target: p.id, detail: { barcode } });
    });
    return parcelView(ctx, p.id);
  });

  app.post('/v1/shipments/:barcode/extend', carrier, async (req) => {
    const { barcode } = parseOr400(BarcodeParams, req.params, 'params');
    const { days } = parseOr400(ExtendRequest, req.body, 'body');
    const p = await carrierParcel(ctx, req.carrier, barcode);
    await ctx.store.tx(async (q) => {
      await extendParcel(ctx, q, p.id, days);
      if (byAdminKey(req)) await audit(ctx, q, req, { action: 'parcel.extend', target: p.id, detail: { days, barcode } });
    });
    return parcelView(ctx, p.id);
  });

  app.get('/v1/parcels/:barcode', carrier, async (req) => {
    const { barcode } = parseOr400(BarcodeParams, req.params, 'params');
    return parcelView(ctx, (await carrierParcel(ctx, req.carrier, barcode)).id);
  });

  // The admin key's console actions, audited as the console's are (actor `admin-key`, its address), in the same
  // transaction as the change (red-team 12 finding 3).
  app.post('/v1/enrollment-tokens', async (req, reply) => {
    const body = parseOr400(EnrollmentTokenRequest, req.body ?? {}, 'body');
    const t = await ctx.store.tx(async (q) => {
      const made = await createEnrollmentToken(ctx, body.ttlHours, body.timeZone, q);
      await audit(ctx, q, req, { action: 'enrollment.create', detail: { ttlHours: body.ttlHours, expiresAt: made.expiresAt, timeZone: body.timeZone ?? null } });
      return made;
    });
    return reply.status(201).send(t);
  });

  app.post('/v1/badges', async (req, reply) => {
    const body = parseOr400(BadgeRequest, req.body, 'body');
    const badge = await ctx.store.tx(async (q) => {
      const b = await issueBadge(ctx, body, q);
      await audit(ctx, q, req, { action: 'badge.issue', target: b.badgeId, detail: { role: body.role, name: body.name, ttlHours: body.ttlHours } });
      return b;
    });
    return reply.status(201).send(badge);
  });

  app.post('/v1/badges/:id/revoke', async (req) => {
    const { id } = parseOr400(BadgeParams, req.params, 'params');
    return ctx.store.tx(async (q) => {
      const r = await revokeBadgeIn(ctx, q, id);
      await audit(ctx, q, req, { action: 'badge.revoke', target: id });
      return r;
    });
  });

  app.get('/v1/admin/kiosks', async () => {
    return { kiosks: await fleetSnapshot(ctx) };
  });

  /** The events a kiosk delivered, as stored (for carriers, support, and the sync tests' "count them on the server"). */
  app.get('/v1/admin/kiosks/:id/events', { config: { query: true } }, async (req) => {
    const { id } = parseOr400(KioskParams, req.params, 'params');
    const { limit } = parseOr400(EventsQuery, req.query, 'query');
    return kioskEvents(ctx, id, limit);
  });

  /** Run the reminder sweep now and deliver what is due (otherwise both run on timers). */
  app.post('/v1/admin/sweep', async () => {
    const r = await hooks.sweep();
    await hooks.drainNotifications();
    return r;
  });
}
