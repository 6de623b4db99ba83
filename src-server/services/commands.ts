import { signCommand, type CommandOp } from '../../src-common/command-token';
import type { CommandsResponse, SyncEventOf } from '../../src-shared/sync-protocol';
import { iso, isoOrNull, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import type { Q } from '../store/db';

/**
 * Remote commands, the server side (issue 12, ADR remote-commands): an operator's command becomes a row of the kiosk's
 * queue with its signed token; the kiosk fetches pending ones over the signed HTTP path (announced by a push ping),
 * runs each at most once, and reports the result as an outbox event (`command.result`), which settles the row.
 */

/** How long a command may wait for its kiosk: an offline kiosk coming back later refuses it (ms). */
export const COMMAND_TTL_MS = 10 * 60_000;

export interface NewCommand {
  kioskId: string;
  op: CommandOp;
  compartmentId: string;
  reason: string;
  operator: { id: string; email: string };
}

export interface CommandView {
  commandId: string;
  op: CommandOp;
  compartmentId: string;
  reason: string;
  operatorEmail: string;
  issuedAt: string;
  expiresAt: string;
  /** `pending` past `expiresAt` is shown as `expired` (the kiosk will refuse it if it ever fetches it). */
  status: 'pending' | 'expired' | 'executed' | 'refused' | 'door_fault';
  resultReason: string | null;
  resultDetail: unknown;
  resultAt: string | null;
  fetchedAt: string | null;
}

/** Queues and signs a command; 404 NOT_FOUND for an unknown kiosk. Call ctx.push.commandsQueued after the commit. */
export async function issueCommand(ctx: ServerContext, q: Q, c: NewCommand, ttlMs = COMMAND_TTL_MS): Promise<CommandView> {
  const kiosk = await q.selectFrom('kiosks').select('id').where('id', '=', c.kioskId).executeTakeFirst();
  if (!kiosk) throw new HttpError('NOT_FOUND', 'no such kiosk');
  const now = ctx.now();
  const claims = {
    cid: randomId('c_', 20),
    kid: c.kioskId,
    op: c.op,
    cmp: c.compartmentId,
    reason: c.reason,
    by: c.operator.id,
    byEmail: c.operator.email,
    iat: now,
    exp: now + ttlMs,
  };
  const token = signCommand(claims, ctx.keys.badgePrivateKey);
  const row = {
    id: claims.cid,
    kiosk_id: c.kioskId,
    op: c.op,
    compartment_id: c.compartmentId,
    reason: c.reason,
    operator_id: c.operator.id,
    operator_email: c.operator.email,
    issued_at: now,
    expires_at: claims.exp,
    token,
    status: 'pending' as const,
    result_reason: null,
    result_detail: null,
    result_at: null,
    fetched_at: null,
  };
  await q.insertInto('remote_commands').values(row).execute();
  return view(row, now);
}

/** The kiosk's queue: pending commands, oldest first, expired ones included (the kiosk refuses and reports them). */
export async function pendingCommands(ctx: ServerContext, q: Q, kioskId: string): Promise<CommandsResponse> {
  const now = ctx.now();
  const rows = await q
    .selectFrom('remote_commands')
    .select(['id', 'token'])
    .where('kiosk_id', '=', kioskId)
    .where('status', '=', 'pending')
    .orderBy('issued_at')
    .orderBy('id')
    .limit(50)
    .execute();
  if (rows.length > 0) {
    await q
      .updateTable('remote_commands')
      .set({ fetched_at: now })
      .where('kiosk_id', '=', kioskId)
      .where('id', 'in', rows.map((r) => r.id))
      .where('fetched_at', 'is', null)
      .execute();
  }
  return { commands: rows.map((r) => ({ commandId: r.id, token: r.token })), serverTime: iso(now) };
}

export async function commandsPending(q: Q, kioskId: string): Promise<boolean> {
  const r = await q.selectFrom('remote_commands').select('id').where('kiosk_id', '=', kioskId).where('status', '=', 'pending').limit(1).executeTakeFirst();
  return r !== undefined;
}

/**
 * Settles a command with the kiosk's first report; `door_fault` may still follow `executed` (the kiosk took the
 * command, then the unlock failed). A report for another kiosk's command, an unknown one, or one already settled (a
 * replay the kiosk refused) changes nothing: `recorded`, kept in `events` with its note.
 */
export async function recordCommandResult(q: Q, kioskId: string, e: SyncEventOf<'command.result'>): Promise<{ outcome: 'applied' | 'recorded'; note?: string }> {
  const p = e.payload;
  const detail = { ...(p.operationId ? { operationId: p.operationId } : {}), ...(p.parcelBarcode ? { parcelBarcode: p.parcelBarcode } : {}) };
  const r = await q
    .updateTable('remote_commands')
    .set({ status: p.outcome, result_reason: p.reason ?? null, result_detail: Object.keys(detail).length ? JSON.stringify(detail) : null, result_at: Date.parse(e.occurredAt) })
    .where('id', '=', p.commandId)
    .where('kiosk_id', '=', kioskId)
    .where((eb) => (p.outcome === 'door_fault' ? eb('status', 'in', ['pending', 'executed']) : eb('status', '=', 'pending')))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 1) return { outcome: 'applied' };
  return { outcome: 'recorded', note: 'command unknown to this kiosk or already settled' };
}

/** The kiosk page's command history, newest first. */
export async function commandHistory(ctx: ServerContext, q: Q, kioskId: string, limit = 50): Promise<CommandView[]> {
  const now = ctx.now();
  const rows = await q.selectFrom('remote_commands').selectAll().where('kiosk_id', '=', kioskId).orderBy('issued_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => view(r, now));
}

type Row = {
  id: string;
  op: CommandOp;
  compartment_id: string;
  reason: string;
  operator_email: string;
  issued_at: number;
  expires_at: number;
  status: CommandView['status'];
  result_reason: string | null;
  result_detail: string | null;
  result_at: number | null;
  fetched_at: number | null;
};

function view(r: Row, now: number): CommandView {
  let detail: unknown;
  try {
    detail = r.result_detail ? JSON.parse(r.result_detail) : null;
  } catch {
    detail = null;
  }
  return {
    commandId: r.id,
    op: r.op,
    compartmentId: r.compartment_id,
    reason: r.reason,
    operatorEmail: r.operator_email,
    issuedAt: iso(r.issued_at),
    expiresAt: iso(r.expires_at),
    status: r.status === 'pending' && r.expires_at <= now ? 'expired' : r.status,
    resultReason: r.result_reason,
    resultDetail: detail,
    resultAt: isoOrNull(r.result_at),
    fetchedAt: isoOrNull(r.fetched_at),
  };
}
