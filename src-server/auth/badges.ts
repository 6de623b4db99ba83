import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { BADGE_PREFIX, type BadgeClaims } from '../../src-common/badge-verify';

/** Server side of badges: the Ed25519 key pair and token signing. Verification lives in badge-verify.ts. */

export interface BadgeKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateBadgeKeyPair(): BadgeKeyPair {
  return generateKeyPairSync('ed25519');
}

/** SPKI PEM, the form sent to kiosks at enrollment. */
export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** Raw 32-byte public key as base64 (accepted by verifyBadge too). */
export function publicKeyRawBase64(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url').toString('base64');
}

export function signBadge(claims: BadgeClaims, privateKey: KeyObject): string {
  const payloadPart = Buffer.from(JSON.stringify({ bid: claims.bid, role: claims.role, name: claims.name, exp: claims.exp }), 'utf8').toString('base64url');
  const sig = sign(null, Buffer.from(payloadPart, 'ascii'), privateKey);
  return `${BADGE_PREFIX}.${payloadPart}.${sig.toString('base64url')}`;
}
