import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { KioskId } from '../../src-shared/sync-protocol';
import { checkSignature, HEADER_KIOSK_ID, HEADER_NONCE, MAX_CLOCK_SKEW_MS } from '../../src-common/signing';
import type { ServerContext } from '../context';
import type { Q } from '../store/db';
import { deleteNoncesBefore, recordNonce } from '../store/nonces';
import { currentKioskSecret } from '../services/reenroll';
import { HttpError, parseOr400 } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes exactly as received (what the kiosk signed). */
    rawBody?: Buffer;
    /** Set by requireKiosk: the kiosk's signed x-timestamp (its clock). */
    kioskTime?: number;
  }
}

/**
 * Verifies a kiosk request: the path's kiosk id, the signature over method/path/timestamp/nonce/body, the
 * ±5 min window, then the nonce (recorded only once everything else checked out, so a forger cannot burn
 * a real kiosk's nonces), inside the route's transaction `q` (a request refused later leaves no spent nonce). Returns
 * the kiosk id.
 */
export async function requireKiosk(ctx: ServerContext, req: FastifyRequest, q: Q): Promise<string> {
  const params = parseOr400(KioskId, (req.params as { id?: unknown }).id, 'params.id');
  const headerId = req.headers[HEADER_KIOSK_ID];
  if (typeof headerId !== 'string') throw new HttpError('UNAUTHORIZED', `missing ${HEADER_KIOSK_ID} header`);
  if (headerId !== params) throw new HttpError('FORBIDDEN', `${HEADER_KIOSK_ID} does not match the kiosk in the path`);
  // Fresh, through this transaction (not the per-instance cache): a kiosk PC replaced on another instance (ADR
  // return-reenroll) is refused with its old secret at once.
  const secret = await currentKioskSecret(ctx, q, params);
  if (!secret) throw new HttpError('UNAUTHORIZED', 'unknown kiosk');
  const check = checkSignature(secret, { method: req.method, path: req.url, headers: req.headers, body: req.rawBody }, ctx.now());
  if (!check.ok) throw new HttpError('UNAUTHORIZED', check.message);
  const nonce = req.headers[HEADER_NONCE] as string;
  await pruneNoncesNowAndThen(ctx, q);
  const fresh = await recordNonce(q, params, nonce, check.timestamp);
  if (!fresh) throw new HttpError('UNAUTHORIZED', `${HEADER_NONCE} was already used: replayed request refused`);
  req.kioskTime = check.timestamp;
  return params;
}

/**
 * Forgets nonces whose timestamp is more than twice the allowed skew old: a request carrying one fails the
 * timestamp check anyway, so replays stay refused while the table holds only the last ~10 minutes of requests.
 */
export function pruneNonces(q: Q, now: number): Promise<number> {
  return deleteNoncesBefore(q, now - 2 * MAX_CLOCK_SKEW_MS);
}

const lastPrune = new WeakMap<ServerContext, number>();
/** From the request path itself, at most once a minute: bounded whether or not a sweep timer runs. */
async function pruneNoncesNowAndThen(ctx: ServerContext, q: Q): Promise<void> {
  const now = ctx.now();
  const last = lastPrune.get(ctx);
  if (last !== undefined && now - last < 60_000) return;
  lastPrune.set(ctx, now);
  await pruneNonces(q, now);
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Carrier/admin endpoints: `authorization: Bearer <adminKey>`, compared in constant time. */
export function requireAdmin(ctx: ServerContext, req: FastifyRequest): void {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer (.+)$/.exec(h) : null;
  if (!m) throw new HttpError('UNAUTHORIZED', 'send authorization: Bearer <admin key>');
  if (!timingSafeEqual(digest(m[1]!), digest(ctx.keys.adminKey))) throw new HttpError('UNAUTHORIZED', 'wrong admin key');
}
