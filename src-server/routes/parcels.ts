import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ParcelId } from '../../src-shared/sync-protocol';
import { audit } from '../auth/audit';
import type { ServerContext } from '../context';
import { HttpError, parseOr400 } from '../http/errors';
import { parcelTimeline, searchParcels, summary } from '../services/parcel-search';
import { reissueCode } from '../services/reissue';
import { markForReturn } from '../services/returns';
import { cancelParcel, extendParcel } from '../services/parcel-actions';

const SearchQuery = z.object({ q: z.string().max(200) }).strict();
const Params = z.object({ id: ParcelId }).strict();
const ExtendBody = z.object({ days: z.number().int().min(1).max(30) }).strict();

/**
 * Parcels in the console (issue 12, ADR code-reissue): search, one parcel with its timeline, and the actions of the
 * role table (auth/roles.ts): resend (= a NEW code, re-issued; the old one stops opening), extend, cancel. Each action
 * acts on the parcel named by the id in the path and nothing else (a barcode may name an old parcel and a live one),
 * is refused INVALID_STATE (409) when that parcel's state does not allow it, and is audited in the same transaction
 * with that id as target; the answer never carries a code.
 */
export function parcelConsoleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const db = ctx.store.db;
  const load = async (id: string) => {
    const p = await db.selectFrom('parcels').selectAll().where('id', '=', id).executeTakeFirst();
    if (!p) throw new HttpError('NOT_FOUND', `no parcel ${id}`);
    return p;
  };
  const detail = async (id: string) => {
    const p = await load(id);
    return { parcel: summary(p), pickupWindowDays: p.pickup_window_days, timeline: await parcelTimeline(ctx, db, p) };
  };

  app.get('/console/api/parcels', { config: { action: 'view', query: true } }, async (req) => {
    const { q } = parseOr400(SearchQuery, req.query, 'query');
    return { parcels: await searchParcels(db, q) };
  });

  app.get('/console/api/parcels/:id', { config: { action: 'view' } }, async (req) => detail(parseOr400(Params, req.params, 'params').id));

  app.post('/console/api/parcels/:id/resend', { config: { action: 'parcel.resend' } }, async (req) => {
    const { id } = parseOr400(Params, req.params, 'params');
    const r = await ctx.store.tx(async (q) => {
      const p = await q.selectFrom('parcels').select(['direction', 'barcode']).where('id', '=', id).executeTakeFirst();
      // A drop-off's code is its SENDER's and goes out at booking; a new one sealed for "at deposit" would reach nobody
      // and kill the one the sender holds (red team, issue 13).
      if (p?.direction === 'out') throw new HttpError('INVALID_STATE', `parcel ${p.barcode} is a drop-off: its code is the sender's; cancel it and book a new drop-off instead`);
      const done = await reissueCode(ctx, q, id, { mustReach: true });
      await audit(ctx, q, req, { action: 'parcel.resend', target: id, detail: { status: done.status, messages: done.queued } });
      return done;
    });
    if (r.queued > 0) ctx.notificationsQueued();
    return { ...(await detail(id)), messages: r.queued };
  });

  app.post('/console/api/parcels/:id/extend', { config: { action: 'parcel.extend' } }, async (req) => {
    const { id } = parseOr400(Params, req.params, 'params');
    const { days } = parseOr400(ExtendBody, req.body, 'body');
    // By id end to end (red-team finding 1): the parcel the operator chose, never another with its barcode.
    await ctx.store.tx(async (q) => {
      const p = await extendParcel(ctx, q, id, days);
      await audit(ctx, q, req, { action: 'parcel.extend', target: id, detail: { days, barcode: p.barcode } });
    });
    return detail(id);
  });

  /** Return to sender (ADR return-reenroll): refused at intake if not yet delivered, else kept for the driver's collection. */
  app.post('/console/api/parcels/:id/return', { config: { action: 'parcel.return' } }, async (req) => {
    const { id } = parseOr400(Params, req.params, 'params');
    const r = await ctx.store.tx(async (q) => {
      const done = await markForReturn(ctx, q, id);
      await audit(ctx, q, req, { action: 'parcel.return', target: id, detail: { outcome: done.outcome } });
      return done;
    });
    return { ...(await detail(id)), returnOutcome: r.outcome };
  });

  app.post('/console/api/parcels/:id/cancel', { config: { action: 'parcel.cancel' } }, async (req) => {
    const { id } = parseOr400(Params, req.params, 'params');
    await ctx.store.tx(async (q) => {
      const p = await cancelParcel(ctx, q, id);
      await audit(ctx, q, req, { action: 'parcel.cancel', target: id, detail: { barcode: p.barcode } });
    });
    return detail(id);
  });
}
