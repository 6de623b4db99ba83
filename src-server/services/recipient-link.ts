import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CustomerOptions, ServerContext } from '../context';

/**
 * The recipient's link and group key (ADR customer-self-service). Both are keyed with secrets DERIVED from the data key
 * (`Vault.derive`), so every instance computes the same ones and the database holds neither key.
 */

export const DEFAULT_CUSTOMER_OPTIONS: CustomerOptions = {
  publicUrl: null,
  extendMaxDays: 3,
  extendFreeFloor: 1,
  lostCodePerNumber: 3,
  lostCodeNumberWindowMs: 24 * 3600_000,
  lostCodePerKiosk: 20,
  lostCodeKioskWindowMs: 3600_000,
};

/** `r1.<parcelId>.<mac>`: the parcel id in clear (it is no secret) and 128 bits of HMAC over it. */
const TOKEN = /^r1\.(p_[A-Za-z0-9]{8,40})\.([A-Za-z0-9_-]{22})$/;
/** What a route parameter must look like before anything else is done with it. */
export const RECIPIENT_TOKEN_PATTERN = /^r1\.p_[A-Za-z0-9]{8,40}\.[A-Za-z0-9_-]{22}$/;

function mac(ctx: ServerContext, parcelId: string): string {
  return createHmac('sha256', ctx.keys.vault.derive('recipient-link-v1')).update(parcelId, 'utf8').digest('base64url').slice(0, 22);
}

/**
 * The token in a parcel's link. It never expires by itself: the page answers for the parcel only while it is expected,
 * deposited or expired, so "valid until it is collected" is a property of the parcel, not of the token.
 */
export function recipientToken(ctx: ServerContext, parcelId: string): string {
  return `r1.${parcelId}.${mac(ctx, parcelId)}`;
}

/** The parcel id a token names, or null when it is malformed or its MAC does not match (constant-time compare). */
export function parcelOfToken(ctx: ServerContext, token: string): string | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const want = Buffer.from(mac(ctx, m[1]!));
  const got = Buffer.from(m[2]!);
  return want.length === got.length && timingSafeEqual(want, got) ? m[1]! : null;
}

/** The link to put in a recipient's message, or null when this server does not know its public address. */
export function recipientLink(ctx: ServerContext, parcelId: string): string | null {
  return ctx.customer.publicUrl ? `${ctx.customer.publicUrl}/r/${recipientToken(ctx, parcelId)}` : null;
}

/**
 * Every address a parcel's code is sent to, as one string: the E.164 phone AND the e-mail in lower case, each or
 * absent. Two parcels share it only when a code sent for one reaches exactly the people a code for the other reaches.
 */
export function normalizedRecipient(r: { phone?: string | null; email?: string | null }): string | null {
  const email = r.email?.trim().toLowerCase() || null;
  if (!r.phone && !email) return null;
  return `tel:${r.phone ?? ''}\nmailto:${email ?? ''}`;
}

/**
 * The opaque key the kiosk groups one recipient's parcels by: HMAC(derived key, recipient + kiosk id), 128 bits,
 * base64url. The recipient is the full set of addresses the code goes to (normalizedRecipient), never the phone alone:
 * the code also goes by e-mail, so a key over the phone alone let someone book a parcel with a victim's phone and their
 * own e-mail, receive that code, and open the victim's parcels through "all my parcels" (red team, issue 13). It names
 * nobody (no phone, no e-mail can be read back), and the same person gets a different key at another kiosk, so keys
 * cannot be joined across kiosks. null when the parcel has no recipient address.
 */
export function groupKey(ctx: ServerContext, kioskId: string, r: { phone?: string | null; email?: string | null }): string | null {
  const who = normalizedRecipient(r);
  if (!who) return null;
  return createHmac('sha256', ctx.keys.vault.derive('recipient-group-v2')).update(`${who}\n${kioskId}`, 'utf8').digest('base64url').slice(0, 22);
}

/** The keyed digest a lost-code request's number is counted under (never the number itself). */
export function numberDigest(ctx: ServerContext, phone: string): string {
  return createHmac('sha256', ctx.keys.vault.derive('lost-code-number-v1')).update(phone, 'utf8').digest('hex');
}

/** `{ groupKey }` for a manifest entry, or nothing when the parcel has no recipient address. */
export function optionalGroupKey(ctx: ServerContext, kioskId: string, r: { phone?: string | null; email?: string | null }): { groupKey?: string } {
  const key = groupKey(ctx, kioskId, r);
  return key ? { groupKey: key } : {};
}
