import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context';
import { randomId } from '../ids';

// Ids sort by time, then by order of writing within this process: newest-first reads come out in the order things happened.
let seq = 0;
const auditId = (at: number) => `au_${at.toString(36).padStart(9, '0')}${(seq++ % 36 ** 4).toString(36).padStart(4, '0')}${randomId('', 6)}`;
import type { Q } from '../store/db';
import { origin } from './sessions';
import type { OperatorAuditEntry } from '../../src-shared/operator-audit';

/**
 * The operator audit log (issue 12): who, what, when, from where, for every operator action, refused ones included.
 * Append only: this file only inserts; nothing in the server updates or deletes its rows. Written in the same
 * transaction as the change it records, so the log never claims a change that rolled back.
 */
export interface AuditEntry {
  /** What was done, e.g. `operator.create`, `signin`, `signin.locked`, or the role table's action on a refusal. */
  action: string;
  /** What it was done to, e.g. an operator's e-mail or a badge id. */
  target?: string | null;
  outcome?: 'ok' | 'refused';
  /** Small JSON-able facts (a new role, a reason). Never a secret. */
  detail?: Record<string, unknown>;
  /** Who, when not the signed-in operator or the admin key (sign-in attempts name the e-mail typed). */
  who?: { id: string | null; email: string };
}

/**
 * Who the bootstrap admin key (`<keys-dir>/admin.key`) acts as in the log. It is no operator, yet what it changes is
 * an operator's action all the same (red-team 12 finding 3: its badges, enrollment tokens and cancels left no row).
 */
export const ADMIN_KEY_ACTOR = 'admin-key';

/** The signed-in operator; else the admin key when the request came with it (guard.ts: an `admin` route runs only then). */
function actor(req: FastifyRequest): { id: string | null; email: string } {
  if (req.operator) return { id: req.operator.id, email: req.operator.email };
  if (req.routeOptions.config.auth === 'admin' || req.carrier?.kind === 'admin') return { id: null, email: ADMIN_KEY_ACTOR };
  return { id: null, email: '(unknown)' };
}

/** Appends one entry for the request `req` (who, from where) inside `q`, the transaction of the change it records. */
export async function audit(ctx: ServerContext, q: Q, req: FastifyRequest, e: AuditEntry): Promise<void> {
  const at = ctx.now();
  const who = e.who ?? actor(req);
  const { ip, userAgent } = origin(req);
  await q
    .insertInto('operator_audit')
    .values({
      id: auditId(at),
      at,
      operator_id: who.id,
      operator_email: who.email.slice(0, 254),
      action: e.action,
      target: e.target ?? null,
      outcome: e.outcome ?? 'ok',
      detail: e.detail ? JSON.stringify(e.detail) : null,
      ip,
      user_agent: userAgent,
    })
    .execute();
}

/**
 * An entry the server writes by itself, with no operator and no request (e.g. a kiosk back online resolving its offline
 * item, ADR return-reenroll): who is `system`, from `fleet server`.
 */
export async function systemAudit(ctx: ServerContext, q: Q, e: Omit<AuditEntry, 'who' | 'outcome'>): Promise<void> {
  const at = ctx.now();
  await q
    .insertInto('operator_audit')
    .values({ id: auditId(at), at, operator_id: null, operator_email: 'system', action: e.action, target: e.target ?? null, outcome: 'ok', detail: e.detail ? JSON.stringify(e.detail) : null, ip: '-', user_agent: 'fleet server' })
    .execute();
}

/** An entry as the console API returns it (the shape lives in src-shared, the console reads the same type). */
export type AuditRow = OperatorAuditEntry;

/** Newest first; `before` (an ISO time) pages back. */
export async function readAudit(ctx: ServerContext, o: { limit: number; before?: number | undefined }): Promise<AuditRow[]> {
  let qb = ctx.store.db.selectFrom('operator_audit').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(o.limit);
  if (o.before !== undefined) qb = qb.where('at', '<', o.before);
  const rows = await qb.execute();
  return rows.map((r) => ({
    id: r.id,
    at: new Date(r.at).toISOString(),
    operatorEmail: r.operator_email,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: r.detail ? (JSON.parse(r.detail) as unknown) : null,
    ip: r.ip,
    userAgent: r.user_agent,
  }));
}
