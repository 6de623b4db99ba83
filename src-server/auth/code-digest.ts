import { createHmac } from 'node:crypto';

/**
 * What the kiosk stores and looks up instead of a pickup code: lowercase hex HMAC-SHA256(kioskSecret, code).
 * Keyed per kiosk, so a leaked kiosk database says nothing about codes at other kiosks, and a 6-digit code
 * cannot be brute-forced from the digest without the kiosk secret. Imported by both the server and the kiosk.
 */
export function codeDigest(kioskSecret: Uint8Array, code: string): string {
  return createHmac('sha256', kioskSecret).update(code, 'utf8').digest('hex');
}
