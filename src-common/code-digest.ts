import { createHmac, randomBytes, randomInt } from 'node:crypto';

/**
 * What the kiosk stores and looks up instead of a pickup code: lowercase hex HMAC-SHA256(kioskSecret, code).
 * Keyed per kiosk, so a leaked kiosk database says nothing about codes at other kiosks, and a 6-digit code
 * cannot be brute-forced from the digest without the kiosk secret. Imported by both the server and the kiosk.
 */
export function codeDigest(kioskSecret: Uint8Array, code: string): string {
  return createHmac('sha256', kioskSecret).update(code, 'utf8').digest('hex');
}

/**
 * The digest of a parcel's QR token (ADR 0008 (code lockout)): HMAC-SHA256(kioskSecret, `qr:` + token), hex. The prefix keeps the
 * three digests in separate domains: no token can ever collide with a code's or a check's input.
 */
export function qrDigest(kioskSecret: Uint8Array, token: string): string {
  return codeDigest(kioskSecret, `qr:${token}`);
}

/**
 * The digest of a code together with its 4-digit check code (ADR 0008 (code lockout)): HMAC-SHA256(kioskSecret,
 * `check:` + code + `:` + check), hex. Bound to the code, so a check code is only worth anything with its own code.
 */
export function checkDigest(kioskSecret: Uint8Array, code: string, check: string): string {
  return codeDigest(kioskSecret, `check:${code}:${check}`);
}

/** QR tokens: 16 random bytes (128 bits), base64url (22 characters). The message's QR carries `LK2:<token>`. */
export const QR_TOKEN = /^[A-Za-z0-9_-]{22}$/;
export function newQrToken(): string {
  return randomBytes(16).toString('base64url');
}

/** A 4-digit check code, uniform over 0000–9999. */
export function newCheckCode(): string {
  return String(randomInt(0, 10_000)).padStart(4, '0');
}
