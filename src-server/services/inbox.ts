import type { FastifyRequest } from 'fastify';
import { sql, type ExpressionBuilder } from 'kysely';
import { audit } from '../auth/audit';
import type { ServerContext } from '../context';
import { HttpError } from '../http/errors';
import type { Q, Schema } from '../store/db';
import { lockRows } from '../store/dialect';

/**
 * The problems and alarms inbox (issue 12): kiosk events an operator must look at, across kiosks, each moving
 * new → acknowledged → resolved, with who and when. ADR alerts-webhooks.
 *
 * The item IS the stored kiosk event (`events`, written once by services/events.ts); its state is not a column but the
 * operator audit log: an ok `problem.acknowledge` / `problem.resolve` entry whose target is the event id. The log is
 * append only, so an item's history cannot be rewritten, and the inbox needs no table of its own. Each transition locks
 * the event row first (PostgreSQL `FOR UPDATE`; SQLite has one writer), so one event gets at most one entry of each.
 */

/** Which kiosk events are inbox items. `codes.failed` and `pin.lockout` only when they report an attack, not its end. */
// `kiosk.offline` is stored by the sweep, not sent by a kiosk (services/alerts.ts sweepOffline; ADR alerts-webhooks).
// `disk.low` is stored by the heartbeat that reports it (services/disk-low.ts; ADR disk-bounds).
export const INBOX_TYPES = ['problem.reported', 'door.forced_open', 'door.left_open', 'door.jammed', 'codes.failed', 'pin.lockout', 'kiosk.offline', 'disk.low'] as const;
export type InboxType = (typeof INBOX_TYPES)[number];
export const INBOX_STATES = ['new', 'acknowledged', 'resolved'] as const;
export type InboxState = (typeof INBOX_STATES)[number];

const ACK = 'problem.acknowledge';
const RESOLVE = 'problem.resolve';

export interface InboxItem {
  /** The kiosk event's id. */
  id: string;
  kioskId: string;
  type: InboxType;
  /** When it happened at the kiosk (the kiosk's clock), ISO. */
  occurredAt: string;
  /** The event's payload as the kiosk sent it (validated by the sync protocol on the way in). */
  payload: Record<string, unknown>;
  state: InboxState;
  acknowledged: { by: string; at: string; note: string | null } | null;
  resolved: { by: string; at: string; note: string | null } | null;
}

/**
 * Events that are inbox items. Payloads are stored as `JSON.stringify` output (no spaces), so the attack-only filter
 * is a plain LIKE that both dialects run alike.
 */
function isItem(eb: ExpressionBuilder<Schema, 'events'>) {
  return eb.and([
    eb('events.type', 'in', INBOX_TYPES),
    eb.or([eb('events.type', 'not in', ['codes.failed', 'pin.lockout']), eb('events.payload', 'like', '%"reason":"hardened"%'), eb('events.payload', 'like', '%"reason":"paused"%')]),
  ]);
}

function withStates(q: Q) {
  return q
    .selectFrom('events')
    .leftJoin('operator_audit as ack', (j) => j.onRef('ack.target', '=', 'events.id').on('ack.action', '=', ACK).on('ack.outcome', '=', 'ok'))
    .leftJoin('operator_audit as res', (j) => j.onRef('res.target', '=', 'events.id').on('res.action', '=', RESOLVE).on('res.outcome', '=', 'ok'))
    .where(isItem)
    .select([
      'events.id',
      'events.kiosk_id',
      'events.type',
      'events.occurred_at',
      'events.payload',
      'ack.operator_email as ack_by',
      'ack.at as ack_at',
      'ack.detail as ack_detail',
      'res.operator_email as res_by',
      'res.at as res_at',
      'res.detail as res_detail',
    ]);
}

export interface InboxQuery {
  /** `open` = new or acknowledged (the default view); `all` = everything. */
  state: InboxState | 'open' | 'all';
  kioskId?: string | undefined;
  /** At most this many, newest first. */
  limit: number;
}

/** The inbox, newest first, with counts per state (over the same kiosk filter) for the tabs. */
export async function listInbox(ctx: ServerContext, o: InboxQuery): Promise<{ items: InboxItem[]; counts: Record<InboxState, number> }> {
  const db = ctx.store.db;
  let qb = withStates(db);
  if (o.kioskId) qb = qb.where('events.kiosk_id', '=', o.kioskId);
  if (o.state === 'new') qb = qb.where('ack.id', 'is', null).where('res.id', 'is', null);
  if (o.state === 'acknowledged') qb = qb.where('ack.id', 'is not', null).where('res.id', 'is', null);
  if (o.state === 'resolved') qb = qb.where('res.id', 'is not', null);
  if (o.state === 'open') qb = qb.where('res.id', 'is', null);
  const rows = await qb.orderBy('events.occurred_at', 'desc').orderBy('events.id', 'desc').limit(o.limit).execute();

  let cq = db
    .selectFrom('events')
    .leftJoin('operator_audit as ack', (j) => j.onRef('ack.target', '=', 'events.id').on('ack.action', '=', ACK).on('ack.outcome', '=', 'ok'))
    .leftJoin('operator_audit as res', (j) => j.onRef('res.target', '=', 'events.id').on('res.action', '=', RESOLVE).on('res.outcome', '=', 'ok'))
    .where(isItem)
    .select([
      sql<number>`SUM(CASE WHEN ack.id IS NULL AND res.id IS NULL THEN 1 ELSE 0 END)`.as('n_new'),
      sql<number>`SUM(CASE WHEN ack.id IS NOT NULL AND res.id IS NULL THEN 1 ELSE 0 END)`.as('n_ack'),
      sql<number>`SUM(CASE WHEN res.id IS NOT NULL THEN 1 ELSE 0 END)`.as('n_res'),
    ]);
  if (o.kioskId) cq = cq.where('events.kiosk_id', '=', o.kioskId);
  const c = await cq.executeTakeFirst();
  const counts = { new: Number(c?.n_new ?? 0), acknowledged: Number(c?.n_ack ?? 0), resolved: Number(c?.n_res ?? 0) };

  const by = (who: string | null, at: number | null, detail: string | null) =>
    who !== null && at !== null ? { by: who, at: new Date(Number(at)).toISOString(), note: noteOf(detail) } : null;
  const items = rows.map((r) => {
    const acknowledged = by(r.ack_by, r.ack_at, r.ack_detail);
    const resolved = by(r.res_by, r.res_at, r.res_detail);
    return {
      id: r.id,
      kioskId: r.kiosk_id,
      type: r.type as InboxType,
      occurredAt: new Date(Number(r.occurred_at)).toISOString(),
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      state: resolved ? 'resolved' : acknowledged ? 'acknowledged' : 'new',
      acknowledged,
      resolved,
    } satisfies InboxItem;
  });
  return { items, counts };
}

function noteOf(detail: string | null): string | null {
  if (!detail) return null;
  const d = JSON.parse(detail) as { note?: unknown };
  return typeof d.note === 'string' ? d.note : null;
}

/**
 * Moves one item on: `acknowledged` from new; `resolved` from new or acknowledged (a door fixed before anyone
 * acknowledged it is still resolved). Recorded as the operator's audit entry, in one transaction with the check.
 * Errors: NOT_FOUND (no such event, or not an inbox item), INVALID_STATE (already there or past it).
 */
export async function moveInboxItem(ctx: ServerContext, req: FastifyRequest, eventId: string, to: 'acknowledged' | 'resolved', note: string | undefined): Promise<InboxItem['state']> {
  return ctx.store.tx(async (q) => {
    const ev = await lockRows(ctx.store.dialect, q.selectFrom('events').select('id').where('id', '=', eventId).where(isItem)).executeTakeFirst();
    if (!ev) throw new HttpError('NOT_FOUND', 'no such problem or alarm');
    const row = await withStates(q).where('events.id', '=', eventId).executeTakeFirstOrThrow();
    if (row.res_by !== null) throw new HttpError('INVALID_STATE', 'already resolved');
    if (to === 'acknowledged' && row.ack_by !== null) throw new HttpError('INVALID_STATE', 'already acknowledged');
    await audit(ctx, q, req, { action: to === 'acknowledged' ? ACK : RESOLVE, target: eventId, detail: { kioskId: row.kiosk_id, type: row.type, ...(note ? { note } : {}) } });
    return to;
  });
}
