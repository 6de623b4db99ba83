import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../auth/audit';
import type { ServerContext } from '../context';
import { parseOr400 } from '../http/errors';
import { eraseRecipient, type RecipientRef } from '../services/personal-data';

/** Exactly one of an e-mail address or a phone number (E.164, any common spelling). */
const Body = z.union([
  z.object({ email: z.string().trim().toLowerCase().email().max(254) }).strict(),
  z.object({ phone: z.string().trim().regex(/^(\+|00)[0-9\s\-().]{6,24}$/, 'a phone number in international form, e.g. +48600100200') }).strict(),
]);

/**
 * Erasure on request (issue 14, ADR personal-data): POST /console/api/personal-data/erase {email} or {phone}, admins only
 * (`personal.erase` in roles.ts). The recipient's finished parcels lose their personal data at once; live ones are
 * listed and erased by the first sweep after they finish. Audited in the same transaction as the last erasing batch,
 * naming the recipient only by a keyed digest: who, when, how many parcels, never the address.
 */
export function personalDataRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/console/api/personal-data/erase', { config: { action: 'personal.erase' } }, async (req) => {
    const ref = parseOr400(Body, req.body, 'body') as RecipientRef;
    const by = 'email' in ref ? 'email' : 'phone';
    const done = await eraseRecipient(ctx, ref, ctx.now(), (q, d) =>
      audit(ctx, q, req, {
        action: 'personal.erase',
        target: `recipient:${d.digest.slice(0, 16)}`,
        detail: { by, digest: d.digest, parcels: d.parcels, messages: d.messages, notes: d.notes, pending: d.pending.length },
      }),
    );
    return { by, erased: { parcels: done.parcels, messages: done.messages, notes: done.notes }, erasedParcels: done.erasedParcels, pending: done.pending };
  });
}
