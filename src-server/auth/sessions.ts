import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context';
import { HttpError } from '../http/errors';
import type { Q } from '../store/db';
import type { Operator } from './accounts';
import type { Role } from './roles';

/**
 * Console sessions (ADR operator-auth): a random 256-bit token in an HttpOnly, SameSite=Strict cookie (Secure when the
 * request came over TLS, directly or through a trusted proxy), and a server-side row keyed by the token's SHA-256, so
 * a session is revoked by deleting its row ("sign out everywhere" deletes them all). Each session has its own CSRF
 * token (synchronizer pattern): the console reads it from the sign-in/session answer and sends it as `x-csrf-token`
 * on every state change; the guard compares it in constant time.
 */
export const SESSION_COOKIE = 'lk_console';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION = {
  /** A session unused this long ends (ms). */
  idleMs: 2 * 3600_000,
  /** A session ends this long after sign-in whatever happens (ms). */
  absoluteMs: 12 * 3600_000,
  /** last_seen_at is written at most this often (ms): a busy console is not a write per request. */
  touchEveryMs: 60_000,
} as const;

export interface SessionOperator {
  id: string;
  email: string;
  name: string;
  role: Role;
  sessionHash: string;
  csrfToken: string;
  /** An admin reset the password (ADR password-reset): until the operator chooses their own, the guard allows little else. */
  mustChangePassword: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard on console routes: who is signed in. */
    operator?: SessionOperator;
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Where the request came from, for the audit log: the client address (X-Forwarded-For only with trustProxy) and agent. */
export function origin(req: FastifyRequest): { ip: string; userAgent: string } {
  return { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300) };
}

/**
 * Starts a new session for `op` (a fresh token every time: a token planted before sign-in is never promoted, which is
 * what defeats session fixation) and sets the cookie. Any session the request already carried is ended. Returns the CSRF token.
 */
export async function startSession(ctx: ServerContext, q: Q, req: FastifyRequest, reply: FastifyReply, op: Operator): Promise<string> {
  const old = sessionToken(req);
  if (old) await q.deleteFrom('operator_sessions').where('id_hash', '=', sha256(old)).execute();
  // Housekeeping where sessions are made: the table holds live sessions only.
  await q
    .deleteFrom('operator_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', ctx.now()), eb('last_seen_at', '<=', ctx.now() - SESSION.idleMs)]))
    .execute();
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const now = ctx.now();
  const { ip, userAgent } = origin(req);
  await q
    .insertInto('operator_sessions')
    .values({ id_hash: sha256(token), operator_id: op.id, csrf_token: csrfToken, created_at: now, last_seen_at: now, expires_at: now + SESSION.absoluteMs, ip, user_agent: userAgent })
    .execute();
  void reply.header('set-cookie', cookie(req, token, Math.floor(SESSION.absoluteMs / 1000)));
  return csrfToken;
}

/** Clears the cookie on the client (the row is deleted by the caller). */
export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  void reply.header('set-cookie', cookie(req, '', 0));
}

// The value is base64url (or empty): nothing to encode. Secure only over TLS: a Secure cookie on plain HTTP never comes back.
function cookie(req: FastifyRequest, value: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Strict${req.protocol === 'https' ? '; Secure' : ''}`;
}

/** The session cookie's token, if the request carries one of the right shape (anything else is no session). */
function sessionToken(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const [name, v] = part.trim().split('=', 2);
    if (name === SESSION_COOKIE && v && /^[A-Za-z0-9_-]{43}$/.test(v)) return v;
  }
  return undefined;
}

/**
 * The guard's check for console routes: a live session of an enabled operator, else 401. Ends sessions that idled or
 * aged out. Sets req.operator.
 */
export async function requireSession(ctx: ServerContext, req: FastifyRequest): Promise<SessionOperator> {
  const token = sessionToken(req);
  if (!token) throw new HttpError('UNAUTHORIZED', 'sign in first');
  const idHash = sha256(token);
  const now = ctx.now();
  const row = await ctx.store.db
    .selectFrom('operator_sessions as s')
    .innerJoin('operators as o', 'o.id', 's.operator_id')
    .select(['s.csrf_token', 's.last_seen_at', 's.expires_at', 'o.id', 'o.email', 'o.name', 'o.role', 'o.disabled_at', 'o.password_reset_at'])
    .where('s.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) throw new HttpError('UNAUTHORIZED', 'your session has ended: sign in again');
  if (row.disabled_at !== null || now >= row.expires_at || now - row.last_seen_at >= SESSION.idleMs) {
    await ctx.store.db.deleteFrom('operator_sessions').where('id_hash', '=', idHash).execute();
    throw new HttpError('UNAUTHORIZED', 'your session has ended: sign in again');
  }
  if (now - row.last_seen_at >= SESSION.touchEveryMs) {
    await ctx.store.db.updateTable('operator_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  const op: SessionOperator = { id: row.id, email: row.email, name: row.name, role: row.role, sessionHash: idHash, csrfToken: row.csrf_token, mustChangePassword: row.password_reset_at !== null };
  req.operator = op;
  return op;
}

/** A state change must carry the session's CSRF token in `x-csrf-token` (403 otherwise). */
export function requireCsrf(req: FastifyRequest, op: SessionOperator): void {
  const sent = req.headers[CSRF_HEADER];
  const a = Buffer.from(typeof sent === 'string' ? sent : '', 'utf8');
  const b = Buffer.from(op.csrfToken, 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError('FORBIDDEN', `missing or wrong ${CSRF_HEADER}: reload the console and try again`);
}

/**
 * Ends every session of an operator (sign out everywhere; disabling an account; a role change; a password reset), or
 * every one but `o.except` (a session's id hash: the operator who changed their own password stays signed in there).
 * Returns how many.
 */
export async function endSessions(q: Q, operatorId: string, o: { except?: string } = {}): Promise<number> {
  let d = q.deleteFrom('operator_sessions').where('operator_id', '=', operatorId);
  if (o.except !== undefined) d = d.where('id_hash', '!=', o.except);
  const r = await d.executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function endSession(q: Q, idHash: string): Promise<void> {
  await q.deleteFrom('operator_sessions').where('id_hash', '=', idHash).execute();
}
