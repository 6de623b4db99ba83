import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * Offline badge verification, imported by the kiosk (node:crypto only, no other dependency).
 *
 * Token: `LKB1.<base64url(JSON payload)>.<base64url(Ed25519 signature over the ASCII of the payload part)>`,
 * payload `{bid, role: 'driver'|'technician', name, exp}` with exp in unix seconds.
 */

export const BADGE_PREFIX = 'LKB1';
export type BadgeRoleName = 'driver' | 'technician';

export interface BadgeClaims {
  bid: string;
  role: BadgeRoleName;
  name: string;
  /** Expiry, unix seconds. */
  exp: number;
}

export type BadgeVerification = { ok: true; claims: BadgeClaims } | { ok: false; reason: 'invalid' | 'expired' | 'revoked' };

/** Accepts an SPKI PEM (as sent at enrollment), raw 32-byte key as base64, or a KeyObject. */
export function badgePublicKeyFrom(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key;
  if (key.includes('BEGIN PUBLIC KEY')) return createPublicKey(key);
  const raw = Buffer.from(key, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 raw public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function parseClaims(json: unknown): BadgeClaims | null {
  if (typeof json !== 'object' || json === null) return null;
  const c = json as Record<string, unknown>;
  if (typeof c.bid !== 'string' || !/^b_[A-Za-z0-9]{8,40}$/.test(c.bid)) return null;
  if (c.role !== 'driver' && c.role !== 'technician') return null;
  if (typeof c.name !== 'string' || c.name.length === 0 || c.name.length > 80) return null;
  if (typeof c.exp !== 'number' || !Number.isInteger(c.exp) || c.exp <= 0) return null;
  return { bid: c.bid, role: c.role, name: c.name, exp: c.exp };
}

/**
 * @param now ms since the epoch (a kiosk passes its clock; tests pass a fixed one)
 * @param revokedIds badge ids revoked per the manifest
 * The signature is checked before anything in the payload is trusted; `revoked` wins over `expired`.
 */
export function verifyBadge(
  token: string,
  publicKey: string | KeyObject,
  now: number,
  revokedIds: ReadonlySet<string> | readonly string[] = [],
): BadgeVerification {
  if (typeof token !== 'string' || token.length > 1024) return { ok: false, reason: 'invalid' };
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[0] !== BADGE_PREFIX) return { ok: false, reason: 'invalid' };
  const [, payloadPart, sigPart] = parts as [string, string, string];
  if (!B64URL.test(payloadPart) || !B64URL.test(sigPart)) return { ok: false, reason: 'invalid' };
  let key: KeyObject;
  try {
    key = badgePublicKeyFrom(publicKey);
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  const sig = Buffer.from(sigPart, 'base64url');
  if (sig.length !== 64) return { ok: false, reason: 'invalid' };
  let valid: boolean;
  try {
    valid = verify(null, Buffer.from(payloadPart, 'ascii'), key, sig);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'invalid' };
  let claims: BadgeClaims | null;
  try {
    claims = parseClaims(JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')));
  } catch {
    claims = null;
  }
  if (!claims) return { ok: false, reason: 'invalid' };
  const revoked = Array.isArray(revokedIds) ? revokedIds.includes(claims.bid) : (revokedIds as ReadonlySet<string>).has(claims.bid);
  if (revoked) return { ok: false, reason: 'revoked' };
  if (claims.exp * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
