import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KioskId } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import type { Q } from '../store/db';
import type { CarrierKeyView } from '../../src-shared/operator-audit';
import { findParcelByBarcode } from '../services/parcel-actions';
import type { ParcelRow } from '../services/shipments';

/**
 * Per-carrier API keys (issue 12; ADR operator-auth). A key is 32 random bytes, shown once at creation; only its
 * HMAC-SHA-256 under a server pepper (derived from the data key, so a copied database alone cannot test guesses) is
 * kept. A fast keyed hash is right here: the key has 256 bits of entropy, nothing to stretch. A key acts for its
 * carrier: it creates parcels only at its kiosks (all when `kiosks` is null) and sees or changes only its carrier's
 * parcels (any other parcel answers 404, as if it did not exist).
 */
export const CarrierName = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[\p{L}\p{N} ._-]+$/u, 'letters, digits, spaces, dot, dash, underscore');
export const CreateCarrierKey = z.object({ carrier: CarrierName, kiosks: z.array(KioskId).min(1).max(1000).nullable().default(null) }).strict();

export type { CarrierKeyView };

/** Who a /v1 carrier request acts for: the bootstrap admin key (everything) or one carrier key. */
export type CarrierPrincipal = { kind: 'admin' } | { kind: 'carrier'; keyId: string; carrier: string; kiosks: string[] | null };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard on carrier routes. */
    carrier?: CarrierPrincipal;
  }
}

const KEY_PREFIX = 'lkc_';

function keyHash(ctx: ServerContext, key: string): string {
  return createHmac('sha256', ctx.keys.vault.derive('carrier-api-key-pepper')).update(key, 'utf8').digest('hex');
}

/** Creates a key; the plaintext is in the answer and nowhere else. */
export async function createCarrierKey(ctx: ServerContext, q: Q, by: string, input: z.output<typeof CreateCarrierKey>): Promise<CarrierKeyView & { key: string }> {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const row = {
    id: randomId('ck_', 12),
    carrier: input.carrier,
    key_hash: keyHash(ctx, key),
    key_prefix: key.slice(0, 10),
    kiosks_json: input.kiosks ? JSON.stringify(input.kiosks) : null,
    created_at: ctx.now(),
    created_by: by,
    revoked_at: null,
    last_used_at: null,
  };
  await q.insertInto('carrier_keys').values(row).execute();
  return { ...view(row), key };
}

function view(r: { id: string; carrier: string; key_prefix: string; kiosks_json: string | null; created_at: number; created_by: string; revoked_at: number | null; last_used_at: number | null }): CarrierKeyView {
  const t = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: r.id,
    carrier: r.carrier,
    prefix: r.key_prefix,
    kiosks: r.kiosks_json ? (JSON.parse(r.kiosks_json) as string[]) : null,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    revokedAt: t(r.revoked_at),
    lastUsedAt: t(r.last_used_at),
  };
}

export async function listCarrierKeys(q: Q): Promise<CarrierKeyView[]> {
  const rows = await q.selectFrom('carrier_keys').selectAll().orderBy('carrier').orderBy('created_at').execute();
  return rows.map(view);
}

/** Revokes a key (idempotent); NOT_FOUND for an unknown id. The next request with it is refused. */
export async function revokeCarrierKey(ctx: ServerContext, q: Q, id: string): Promise<CarrierKeyView> {
  await q.updateTable('carrier_keys').set({ revoked_at: ctx.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  const row = await q.selectFrom('carrier_keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new HttpError('NOT_FOUND', `no carrier key ${id}`);
  return view(row);
}

/**
 * The carrier a bearer key belongs to, or null (unknown or revoked). Records last use at most once a minute per key
 * (a conditional update: instances racing write once).
 */
export async function carrierForKey(ctx: ServerContext, key: string): Promise<CarrierPrincipal | null> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 100) return null;
  const row = await ctx.store.db.selectFrom('carrier_keys').selectAll().where('key_hash', '=', keyHash(ctx, key)).executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  const now = ctx.now();
  if (row.last_used_at === null || now - row.last_used_at >= 60_000) {
    await ctx.store.db
      .updateTable('carrier_keys')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now - 60_000)]))
      .execute();
  }
  return { kind: 'carrier', keyId: row.id, carrier: row.carrier, kiosks: row.kiosks_json ? (JSON.parse(row.kiosks_json) as string[]) : null };
}

/** May this principal put a parcel at `kioskId`? (404 otherwise: a carrier does not learn other carriers' kiosks.) */
export function assertKiosk(p: CarrierPrincipal | undefined, kioskId: string): void {
  if (p?.kind === 'carrier' && p.kiosks !== null && !p.kiosks.includes(kioskId)) throw new HttpError('NOT_FOUND', `unknown kiosk ${kioskId}`);
}

/**
 * The parcel `barcode` means for this principal (issue 12 red-team finding 1): the admin key, any carrier's (the live
 * one first, else the newest); a carrier key, its own carrier's live one first, else its newest, so it acts on its
 * parcel even when another carrier's parcel carries the same barcode, and never on theirs. A barcode none of its
 * parcels carry answers 404 exactly as an unknown one does. The caller acts on the returned row's id from here on.
 */
export async function carrierParcel(ctx: ServerContext, p: CarrierPrincipal | undefined, barcode: string): Promise<ParcelRow> {
  if (!p) throw new HttpError('UNAUTHORIZED', 'no credential');
  const row = await findParcelByBarcode(ctx, ctx.store.db, barcode, false, p.kind === 'carrier' ? { carrier: p.carrier } : {});
  if (!row) throw new HttpError('NOT_FOUND', `no parcel with barcode ${barcode}`);
  return row;
}
