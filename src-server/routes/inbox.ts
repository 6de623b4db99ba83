import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { KioskId } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { parseOr400 } from '../http/errors';
import { INBOX_STATES, listInbox, moveInboxItem } from '../services/inbox';

const ListQuery = z
  .object({
    state: z.enum([...INBOX_STATES, 'open', 'all']).default('open'),
    kiosk: KioskId.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();
const Params = z.object({ id: z.uuid() }).strict();
const Move = z.object({ note: z.string().trim().max(500).optional() }).strict();

/**
 * The problems and alarms inbox (issue 12; services/inbox.ts). Reading needs `view`; moving an item on needs
 * `problem.handle` (every role: support acknowledges too), each move an audit entry.
 */
export function inboxRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/console/api/inbox', { config: { action: 'view', query: true } }, async (req) => {
    const q = parseOr400(ListQuery, req.query, 'query');
    return listInbox(ctx, { state: q.state, kioskId: q.kiosk, limit: q.limit });
  });

  for (const [verb, to] of [
    ['acknowledge', 'acknowledged'],
    ['resolve', 'resolved'],
  ] as const) {
    app.post(`/console/api/inbox/:id/${verb}`, { config: { action: 'problem.handle' } }, async (req) => {
      const { id } = parseOr400(Params, req.params, 'params');
      const { note } = parseOr400(Move, req.body ?? {}, 'body');
      return { id, state: await moveInboxItem(ctx, req, id, to, note || undefined) };
    });
  }
}
