import { sign, verify, type KeyObject } from 'node:crypto';
import { badgePublicKeyFrom } from './badge-verify';

/**
 * Remote commands (issue 12, ADR remote-commands): an operator's order to one kiosk, signed by the fleet's Ed25519
 * badge key (the kiosk has its public key since enrollment) so a kiosk obeys only the fleet, never whoever can reach
 * its HTTP path or broker topic.
 *
 * Token: `LKC1.<base64url(JSON claims)>.<base64url(Ed25519 signature over the ASCII of "LKC1." + claims part)>`.
 * The prefix is inside the signed bytes: a badge signature (over the claims part alone) can never pass as a command
 * signature, nor the reverse, although both use the same key.
 */
export const COMMAND_PREFIX = 'LKC1';

export const COMMAND_OPS = ['door.open', 'compartment.out_of_service', 'compartment.in_service'] as const;
export type CommandOp = (typeof COMMAND_OPS)[number];

export interface CommandClaims {
  /** Command id, `c_` + 8..40 alphanumerics: the kiosk runs each id at most once. */
  cid: string;
  /** The one kiosk that may run it. */
  kid: string;
  op: CommandOp;
  /** Compartment id on that kiosk. */
  cmp: string;
  /** Why (the operator's words, 1..200 chars): goes into the kiosk's audit log. */
  reason: string;
  /** Operator id and e-mail, for the kiosk's audit log. */
  by: string;
  byEmail: string;
  /** Issued at and expires at, ms since the epoch (server clock). */
  iat: number;
  exp: number;
}

export type CommandVerification =
  | { ok: true; claims: CommandClaims }
  | { ok: false; reason: 'invalid' | 'expired' | 'foreign_kiosk'; claims?: CommandClaims };

const B64URL = /^[A-Za-z0-9_-]+$/;
const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

function parseClaims(json: unknown): CommandClaims | null {
  if (typeof json !== 'object' || json === null) return null;
  const c = json as Record<string, unknown>;
  if (!str(c.cid, 42) || !/^c_[A-Za-z0-9]{8,40}$/.test(c.cid)) return null;
  if (!str(c.kid, 40) || !str(c.cmp, 20) || !str(c.reason, 200) || !str(c.by, 60) || !str(c.byEmail, 254)) return null;
  if (!COMMAND_OPS.includes(c.op as CommandOp)) return null;
  if (!Number.isSafeInteger(c.iat) || !Number.isSafeInteger(c.exp) || (c.exp as number) <= (c.iat as number)) return null;
  return { cid: c.cid, kid: c.kid, op: c.op as CommandOp, cmp: c.cmp, reason: c.reason, by: c.by, byEmail: c.byEmail, iat: c.iat as number, exp: c.exp as number };
}

/** Signs `claims` with the fleet's Ed25519 private key (server side). */
export function signCommand(claims: CommandClaims, privateKey: KeyObject): string {
  const part = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  const sig = sign(null, Buffer.from(`${COMMAND_PREFIX}.${part}`, 'ascii'), privateKey);
  return `${COMMAND_PREFIX}.${part}.${sig.toString('base64url')}`;
}

/**
 * Checks a command token for this kiosk. The signature is checked before any claim is trusted; then the kiosk id,
 * then the expiry (`now`: the kiosk's wall clock, ms). Replays are the caller's check (it keeps the ids it ran).
 * Claims come back with `foreign_kiosk` and `expired` so the refusal can name the command it refuses.
 */
export function verifyCommand(token: string, publicKey: string | KeyObject, kioskId: string, now: number): CommandVerification {
  if (typeof token !== 'string' || token.length > 2048) return { ok: false, reason: 'invalid' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== COMMAND_PREFIX) return { ok: false, reason: 'invalid' };
  const [, part, sigPart] = parts as [string, string, string];
  if (!B64URL.test(part) || !B64URL.test(sigPart)) return { ok: false, reason: 'invalid' };
  const sig = Buffer.from(sigPart, 'base64url');
  if (sig.length !== 64) return { ok: false, reason: 'invalid' };
  let valid: boolean;
  try {
    valid = verify(null, Buffer.from(`${COMMAND_PREFIX}.${part}`, 'ascii'), badgePublicKeyFrom(publicKey), sig);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'invalid' };
  let claims: CommandClaims | null;
  try {
    claims = parseClaims(JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  } catch {
    claims = null;
  }
  if (!claims) return { ok: false, reason: 'invalid' };
  if (claims.kid !== kioskId) return { ok: false, reason: 'foreign_kiosk', claims };
  if (claims.exp <= now) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/** The command id inside a token, unverified (to name a refused command in a report); null when unreadable. */
export function commandIdOf(token: string): string | null {
  try {
    const c = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { cid?: unknown };
    return typeof c.cid === 'string' && /^c_[A-Za-z0-9]{8,40}$/.test(c.cid) ? c.cid : null;
  } catch {
    return null;
  }
}
