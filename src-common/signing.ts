import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Request signing for kiosk ↔ fleet server (contract: SIGNING in src-shared/sync-protocol.ts).
 * Pure functions over node:crypto so the kiosk's sync client imports this very file: one implementation,
 * no drift between signer and verifier.
 */

export const HEADER_KIOSK_ID = 'x-kiosk-id';
export const HEADER_TIMESTAMP = 'x-timestamp';
export const HEADER_NONCE = 'x-nonce';
export const HEADER_SIGNATURE = 'x-signature';
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export interface CanonicalParts {
  method: string;
  /** Path plus query exactly as on the request line, e.g. `/v1/kiosks/K-1/manifest?cursor=0`. */
  path: string;
  /** ms since the epoch, as sent in x-timestamp. */
  timestamp: string | number;
  nonce: string;
  /** The raw body bytes as sent (a string is hashed as UTF-8); undefined or '' for no body. */
  body?: string | Uint8Array;
}

export function sha256Hex(data: string | Uint8Array = ''): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `${METHOD}\n${path}\n${timestamp}\n${nonce}\n${sha256hex(body)}` */
export function canonicalString(p: CanonicalParts): string {
  return `${p.method.toUpperCase()}\n${p.path}\n${String(p.timestamp)}\n${p.nonce}\n${sha256Hex(p.body ?? '')}`;
}

export function computeSignature(secret: Uint8Array, parts: CanonicalParts): string {
  return createHmac('sha256', secret).update(canonicalString(parts)).digest('hex');
}

/** Constant-time check of a hex signature. */
export function signatureMatches(secret: Uint8Array, parts: CanonicalParts, signatureHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(signatureHex)) return false;
  const expected = Buffer.from(computeSignature(secret, parts), 'hex');
  return timingSafeEqual(expected, Buffer.from(signatureHex, 'hex'));
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url'); // 24 chars
}

export interface SignRequestInput {
  kioskId: string;
  secret: Uint8Array;
  method: string;
  path: string;
  body?: string | Uint8Array;
  /** ms since the epoch; defaults to Date.now(). */
  now?: number;
  nonce?: string;
}

/** The four headers a kiosk adds to a request. Send `body` byte for byte as signed. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const timestamp = String(input.now ?? Date.now());
  const nonce = input.nonce ?? newNonce();
  const signature = computeSignature(input.secret, { method: input.method, path: input.path, timestamp, nonce, body: input.body });
  return {
    [HEADER_KIOSK_ID]: input.kioskId,
    [HEADER_TIMESTAMP]: timestamp,
    [HEADER_NONCE]: nonce,
    [HEADER_SIGNATURE]: signature,
  };
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_nonce' | 'bad_signature'; message: string };

export type SignedHeadersCheck =
  | { ok: true; timestamp: number; timestampText: string; nonce: string; signature: string }
  | Extract<SignatureCheck, { ok: false }>;

/**
 * The checks that need no secret and no body: the three headers are present and single, the timestamp within
 * ±5 minutes of `now` (ms), the nonce and the signature well formed. The fleet server runs this before it reads a
 * request body (ADR server-hardening), so a request that cannot be a kiosk's costs nothing to refuse.
 */
export function checkSignedHeaders(headers: Record<string, string | string[] | undefined>, now: number): SignedHeadersCheck {
  const one = (h: string) => {
    const v = headers[h];
    return Array.isArray(v) ? undefined : v;
  };
  const ts = one(HEADER_TIMESTAMP);
  const nonce = one(HEADER_NONCE);
  const sig = one(HEADER_SIGNATURE);
  if (ts === undefined || nonce === undefined || sig === undefined) {
    return { ok: false, reason: 'missing_headers', message: `signed request needs ${HEADER_TIMESTAMP}, ${HEADER_NONCE} and ${HEADER_SIGNATURE} headers` };
  }
  if (!/^[0-9]{1,16}$/.test(ts)) return { ok: false, reason: 'bad_timestamp', message: `${HEADER_TIMESTAMP} must be ms since the epoch` };
  const timestamp = Number(ts);
  if (Math.abs(now - timestamp) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, reason: 'stale_timestamp', message: `${HEADER_TIMESTAMP} is more than 5 minutes from the server's clock (check the kiosk's clock)` };
  }
  if (!NONCE_PATTERN.test(nonce)) return { ok: false, reason: 'bad_nonce', message: `${HEADER_NONCE} must be 16-64 characters [A-Za-z0-9_-]` };
  if (!/^[0-9a-fA-F]{64}$/.test(sig)) return { ok: false, reason: 'bad_signature', message: 'signature does not match the request' };
  return { ok: true, timestamp, timestampText: ts, nonce, signature: sig.toLowerCase() };
}

/**
 * Everything but the replay check (which needs the server's nonce store) and the secret lookup.
 * Header names are lower case (Node lower-cases incoming headers).
 */
export function checkSignature(
  secret: Uint8Array,
  req: { method: string; path: string; headers: Record<string, string | string[] | undefined>; body?: string | Uint8Array },
  now: number,
): SignatureCheck {
  const h = checkSignedHeaders(req.headers, now);
  if (!h.ok) return h;
  if (!signatureMatches(secret, { method: req.method, path: req.path, timestamp: h.timestampText, nonce: h.nonce, body: req.body }, h.signature)) {
    return { ok: false, reason: 'bad_signature', message: 'signature does not match the request' };
  }
  return { ok: true, timestamp: h.timestamp };
}
