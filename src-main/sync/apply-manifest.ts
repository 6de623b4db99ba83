import type { ManifestResponse } from '../../src-shared/sync-protocol';
import type { Db } from '../store/sqlite';
import type { ParcelsRepo, ParcelRow } from '../store/parcels';
import type { OutboxRepo } from '../store/outbox';
import type { EnrollmentRepo } from '../store/enrollment';
import type { Logger } from '../log';
import { META, getMeta, setMeta } from './meta';
import { isPrunedHistory } from '../store/retention';
import { applyPlaced, applyPlacedDropoff, applyReturn } from './apply-returns';
import { applyPreference } from './apply-preferences';

export interface ManifestApplied {
  expected: { inserted: number; updated: number; ignored: number; refused: number };
  cancelled: number;
  /** Cancellations refused because the kiosk has already acted on the parcel (the physical fact wins). */
  cancelRefused: number;
  extended: number;
  /** Extensions ignored because they would shorten a deposited parcel's expiry (never done: see applyExtension). */
  extendRefused: number;
  /** Code re-issues applied (ADR code-reissue); `reissueRefused`: the parcel is gone here, or the new code clashes. */
  reissued: number;
  reissueRefused: number;
  /** Parcels marked for return to sender, and parcels (drop-offs too) placed in compartments after a re-enrollment (ADR return-reenroll). */
  returned: number;
  placed: number;
  placeRefused: number;
  /** Recipients' "compartment within reach" requests applied (ADR customer-self-service). */
  preferences: number;
  /** Drop-offs announced (ADR drop-offs): stored, re-stated, ignored (already under way here) or refused (a clash). */
  dropoffs: { inserted: number; updated: number; ignored: number; refused: number };
  revoked: number;
  /** Outbox events this page queued (conflict notices): push soon. */
  queued: number;
  cursor: string;
}

export interface ApplyDeps {
  db: Db;
  parcels: ParcelsRepo;
  outbox: OutboxRepo;
  enrollment: EnrollmentRepo;
  log: Logger;
}

type Entry =
  | { kind: 'expected'; seq: number; e: ManifestResponse['expected'][number] }
  | { kind: 'cancel'; seq: number; e: ManifestResponse['cancellations'][number] }
  | { kind: 'extend'; seq: number; e: ManifestResponse['extensions'][number] }
  | { kind: 'return'; seq: number; e: NonNullable<ManifestResponse['returns']>[number] }
  | { kind: 'placed'; seq: number; e: NonNullable<ManifestResponse['placed']>[number] }
  | { kind: 'placedDropoff'; seq: number; e: NonNullable<ManifestResponse['placedDropoffs']>[number] }
  | { kind: 'reissue'; seq: number; e: NonNullable<ManifestResponse['reissues']>[number] }
  | { kind: 'dropoff'; seq: number; e: NonNullable<ManifestResponse['dropoffs']>[number] }
  | { kind: 'preference'; seq: number; e: NonNullable<ManifestResponse['preferences']>[number] };

/**
 * Applies one manifest page in ONE immediate transaction together with its cursor: a crash leaves either the
 * page applied and the cursor moved, or neither, so a page is never half-applied and never skipped.
 * Entries go in ascending `seq` (an expected parcel may be cancelled later in the same page).
 *
 * Conflict rules (docs/adr): a cancellation of a parcel the kiosk has already taken in (deposited, expired,
 * picked up, collected) or is depositing right now (compartment reserved) is NOT applied; the kiosk re-states
 * what physically happened as an outbox event, which the server applies over its own view.
 */
export function applyManifestPage(d: ApplyDeps, page: ManifestResponse, now: number): ManifestApplied {
  const out: ManifestApplied = {
    expected: { inserted: 0, updated: 0, ignored: 0, refused: 0 },
    cancelled: 0,
    cancelRefused: 0,
    extended: 0,
    extendRefused: 0,
    reissued: 0,
    reissueRefused: 0,
    returned: 0,
    placed: 0,
    placeRefused: 0,
    preferences: 0,
    dropoffs: { inserted: 0, updated: 0, ignored: 0, refused: 0 },
    revoked: 0,
    queued: 0,
    cursor: page.nextCursor,
  };
  const entries: Entry[] = [
    ...page.expected.map((e) => ({ kind: 'expected' as const, seq: e.seq, e })),
    ...page.cancellations.map((e) => ({ kind: 'cancel' as const, seq: e.seq, e })),
    ...page.extensions.map((e) => ({ kind: 'extend' as const, seq: e.seq, e })),
    ...(page.reissues ?? []).map((e) => ({ kind: 'reissue' as const, seq: e.seq, e })),
    ...(page.returns ?? []).map((e) => ({ kind: 'return' as const, seq: e.seq, e })),
    ...(page.placed ?? []).map((e) => ({ kind: 'placed' as const, seq: e.seq, e })),
    ...(page.placedDropoffs ?? []).map((e) => ({ kind: 'placedDropoff' as const, seq: e.seq, e })),
    ...(page.dropoffs ?? []).map((e) => ({ kind: 'dropoff' as const, seq: e.seq, e })),
    ...(page.preferences ?? []).map((e) => ({ kind: 'preference' as const, seq: e.seq, e })),
  ].sort((a, b) => a.seq - b.seq);

  const queue = (type: Parameters<OutboxRepo['enqueue']>[0], payload: Record<string, unknown>) => {
    d.outbox.enqueue(type, payload, now);
    out.queued++;
  };

  d.db
    .transaction(() => {
      for (const entry of entries) {
        switch (entry.kind) {
          case 'expected':
            applyExpected(d, entry.e, now, out, queue);
            break;
          case 'cancel':
            applyCancellation(d, entry.e, now, out, queue);
            break;
          case 'extend':
            applyExtension(d, entry.e, now, out);
            break;
          case 'reissue':
            applyReissue(d, entry.e, now, out);
            break;
          case 'return':
            if (applyReturn(d, entry.e, now)) out.returned++;
            break;
          case 'placed':
          case 'placedDropoff': {
            const r = entry.kind === 'placed' ? applyPlaced(d, entry.e, now, queue) : applyPlacedDropoff(d, entry.e, now, queue);
            if (r === 'placed') out.placed++;
            else if (r === 'refused') out.placeRefused++;
            break;
          }
          case 'dropoff':
            applyDropoff(d, entry.e, now, out, queue);
            break;
          case 'preference':
            if (applyPreference(d.parcels, entry.e, now)) out.preferences++;
            break;
          default: {
            const never: never = entry;
            throw new Error(`unknown manifest entry ${String(never)}`);
          }
        }
      }
      if (page.revokedBadges.length > 0) {
        out.revoked = d.enrollment.addRevokedBadges(page.revokedBadges.map((r) => ({ badgeId: r.badgeId, revokedAt: Date.parse(r.revokedAt) })));
      }
      setMeta(d.db, META.cursor, page.nextCursor);
    })
    .immediate();
  return out;
}

function applyExpected(
  d: ApplyDeps,
  e: ManifestResponse['expected'][number],
  now: number,
  out: ManifestApplied,
  queue: (type: 'problem.reported', payload: Record<string, unknown>) => void,
): void {
  // A parcel this kiosk already took further (deposited, picked up, cancelled…): its announcement is history. A
  // manifest read again from the start (ADR restore-epoch) must not turn it into a clash with a newer parcel.
  const known = d.parcels.get(e.parcelId);
  // …and one this kiosk finished and pruned long ago (ADR disk-bounds) is history too.
  if ((known && known.status !== 'expected') || (!known && isPrunedHistory(d.db, e.seq))) {
    out.expected.ignored++;
    return;
  }
  // Guards for the store's unique indexes: one bad entry must not wedge every later page behind it.
  let clash = clashOf(d, e);
  if (clash && clash.with.status === 'expected' && clash.with.compartmentId === null) {
    // The server holds one active parcel per barcode and one live code per kiosk, and tells this kiosk of every
    // change in seq order: a new parcel clashing with one only EXPECTED here means the server no longer has that one
    // (it was lost when the server's database was restored from a backup, and the carrier announced it again). Nothing
    // is in a compartment: drop the stale one and take the server's word. A parcel in a compartment is never dropped.
    d.log.warn('manifest: a stale expected parcel gives way to the server’s newer one', { stale: clash.with.id, parcelId: e.parcelId, clash: clash.what });
    d.parcels.cancel(clash.with.id, now);
    queue('problem.reported', {
      kind: 'other',
      barcode: clash.with.barcode,
      parcelId: clash.with.id,
      note: `kiosk dropped expected parcel ${clash.with.id}: the server announced ${e.parcelId} with the same ${clash.what}`,
    });
    clash = clashOf(d, e);
  }
  if (clash) {
    out.expected.refused++;
    d.log.warn('manifest entry refused: clashes with an active parcel', { parcelId: e.parcelId, barcode: e.barcode, clash: clash.what });
    queue('problem.reported', {
      kind: 'other',
      barcode: e.barcode,
      parcelId: e.parcelId,
      note: `kiosk refused expected parcel: its ${clash.what} clashes with another active parcel at this kiosk`,
    });
    return;
  }
  const r = d.parcels.upsertExpected(
    {
      id: e.parcelId,
      barcode: e.barcode,
      size: e.size,
      codeDigest: e.codeDigest,
      // ADR 0008 (code lockout): absent from an older server; such a parcel opens by code alone while the keypad is plain.
      qrDigest: e.qrDigest ?? null,
      checkDigest: e.checkDigest ?? null,
      accessible: e.accessible,
      pickupWindowDays: e.pickupWindowDays,
      serverSeq: e.seq,
      groupKey: e.groupKey ?? null,
    },
    now,
  );
  out.expected[r]++;
}

/**
 * A drop-off (ADR drop-offs): stored as an expected parcel with direction `out` whose code opens a free compartment for
 * its sender until the deadline. Same clash guards as a delivery's (one barcode, one code, one QR token per kiosk): the
 * server keeps one code space per kiosk, so a clash means the local store is stale; the entry is refused and reported.
 */
function applyDropoff(
  d: ApplyDeps,
  e: NonNullable<ManifestResponse['dropoffs']>[number],
  now: number,
  out: ManifestApplied,
  queue: (type: 'problem.reported', payload: Record<string, unknown>) => void,
): void {
  const known = d.parcels.get(e.parcelId);
  if ((known && known.status !== 'expected') || (!known && isPrunedHistory(d.db, e.seq))) {
    out.dropoffs.ignored++;
    return;
  }
  const clash = clashOf(d, e);
  if (clash) {
    out.dropoffs.refused++;
    d.log.warn('manifest drop-off refused: clashes with an active parcel', { parcelId: e.parcelId, clash: clash.what });
    queue('problem.reported', { kind: 'other', barcode: e.barcode, parcelId: e.parcelId, note: `kiosk refused drop-off: its ${clash.what} clashes with another active parcel at this kiosk` });
    return;
  }
  const r = d.parcels.upsertDropoff(
    { id: e.parcelId, barcode: e.barcode, size: e.size, codeDigest: e.codeDigest, qrDigest: e.qrDigest, checkDigest: e.checkDigest, deadline: Date.parse(e.deadline), serverSeq: e.seq },
    now,
  );
  out.dropoffs[r]++;
}

/** Another local parcel holding this entry's barcode (while active), code or QR token, if any. */
function clashOf(d: ApplyDeps, e: Pick<ManifestResponse['expected'][number], 'parcelId' | 'barcode' | 'codeDigest' | 'qrDigest'>): { what: 'barcode' | 'code' | 'QR token'; with: ParcelRow } | null {
  const sameBarcode = d.parcels.activeByBarcode(e.barcode);
  if (sameBarcode && sameBarcode.id !== e.parcelId) return { what: 'barcode', with: sameBarcode };
  const sameDigest = d.parcels.byDigest(e.codeDigest);
  if (sameDigest && sameDigest.id !== e.parcelId) return { what: 'code', with: sameDigest };
  const sameQr = e.qrDigest ? d.parcels.byQrDigest(e.qrDigest) : null;
  if (sameQr && sameQr.id !== e.parcelId) return { what: 'QR token', with: sameQr };
  return null;
}

/**
 * An expiry extension never shortens the stay of a parcel already in a compartment: its recipient was promised a
 * date (the code message, the kiosk screen), and the server's view may lag behind the kiosk's (a window extended
 * while the kiosk deposited offline). The protocol has no "shorten" message; such an entry is ignored here (ADR 0003).
 */
function applyExtension(d: ApplyDeps, e: ManifestResponse['extensions'][number], now: number, out: ManifestApplied): void {
  const until = e.expiresAt === null ? null : Date.parse(e.expiresAt);
  const p = d.parcels.get(e.parcelId);
  if (p && p.expiresAt !== null && (p.status === 'deposited' || p.status === 'expired')) {
    const next = until ?? (p.depositedAt ?? now) + e.pickupWindowDays * 86_400_000;
    if (next < p.expiresAt) {
      out.extendRefused++;
      d.log.info('expiry extension ignored: it would shorten a deposited parcel’s promised stay', { parcelId: p.id, seq: e.seq });
      return;
    }
  }
  if (d.parcels.extend(e.parcelId, e.pickupWindowDays, until, now)) out.extended++;
}

/**
 * A re-issued code (ADR code-reissue) replaces the parcel's digests. The server keeps one live code per kiosk, so a
 * clash with another local parcel means that one is stale here; the entry is then refused (logged) rather than
 * leaving two parcels behind one code.
 */
function applyReissue(d: ApplyDeps, e: NonNullable<ManifestResponse['reissues']>[number], now: number, out: ManifestApplied): void {
  const other = d.parcels.byDigest(e.codeDigest) ?? d.parcels.byQrDigest(e.qrDigest);
  if (other && other.id !== e.parcelId) {
    out.reissueRefused++;
    d.log.warn('code re-issue refused: the new code clashes with another active parcel', { parcelId: e.parcelId, seq: e.seq });
    return;
  }
  if (d.parcels.reissue(e.parcelId, e, now)) out.reissued++;
  else out.reissueRefused++;
}

function applyCancellation(
  d: ApplyDeps,
  e: ManifestResponse['cancellations'][number],
  now: number,
  out: ManifestApplied,
  queue: (type: 'parcel.deposited' | 'parcel.picked_up' | 'parcel.collected' | 'dropoff.deposited', payload: Record<string, unknown>) => void,
): void {
  if (d.parcels.cancel(e.parcelId, now)) {
    out.cancelled++;
    return;
  }
  const p = d.parcels.get(e.parcelId);
  if (!p || p.status === 'cancelled') return; // never seen here, or already cancelled: nothing to say
  out.cancelRefused++;
  if (p.status === 'expected') {
    // A driver has its compartment open right now: the door decides. Ask again once the drop-off has ended.
    setDeferred(d, [...deferred(d), p.id]);
    return;
  }
  d.log.info('cancellation refused: the kiosk already acted on this parcel', { parcelId: p.id, status: p.status });
  const fact = restatement(p);
  if (fact) queue(fact.type, fact.payload);
}

function deferred(d: ApplyDeps): string[] {
  try {
    const v: unknown = JSON.parse(getMeta(d.db, META.deferredCancels) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function setDeferred(d: ApplyDeps, ids: string[]): void {
  setMeta(d.db, META.deferredCancels, JSON.stringify([...new Set(ids)]));
}

/**
 * Cancellations put off because a drop-off was under way. Once it has ended: the driver kept the parcel (still
 * expected, no compartment) → cancel it now; it went in → nothing to do, its `parcel.deposited` tells the server.
 */
export function retryDeferredCancellations(d: ApplyDeps, now: number): number {
  const ids = deferred(d);
  if (ids.length === 0) return 0;
  return d.db
    .transaction(() => {
      let cancelled = 0;
      const still: string[] = [];
      for (const id of ids) {
        const p = d.parcels.get(id);
        if (p?.status === 'expected' && p.compartmentId !== null) still.push(id);
        else if (p?.status === 'expected' && d.parcels.cancel(id, now)) cancelled++;
      }
      setDeferred(d, still);
      return cancelled;
    })
    .immediate();
}

/**
 * The event that tells the server what physically happened to a parcel it has just cancelled. Sent with a fresh
 * UUID: if the original event is still queued it arrives first and this one is recorded as a repeat; if the server
 * had already cancelled when the original arrived, it applied it as a conflict and this one changes nothing.
 * A parcel whose deposit is under way (expected, compartment reserved) says nothing yet: the drop-off's own
 * `parcel.deposited` or `parcel.kept_by_driver` follows.
 */
export function restatement(p: ParcelRow): { type: 'parcel.deposited' | 'parcel.picked_up' | 'parcel.collected' | 'dropoff.deposited'; payload: Record<string, unknown> } | null {
  if (p.compartmentId === null) return null;
  const ref = { parcelId: p.id, barcode: p.barcode, compartmentId: p.compartmentId };
  switch (p.status) {
    case 'deposited':
    case 'expired':
      // A drop-off the sender put in (ADR drop-offs): it is in the locker whatever the server decided meanwhile.
      if (p.direction === 'out') return p.receipt ? { type: 'dropoff.deposited', payload: { ...ref, size: p.size, receipt: p.receipt } } : null;
      if (p.expiresAt === null) return null;
      return { type: 'parcel.deposited', payload: { ...ref, size: p.size, expiresAt: new Date(p.expiresAt).toISOString() } };
    case 'picked_up':
      return { type: 'parcel.picked_up', payload: ref };
    case 'collected':
      return { type: 'parcel.collected', payload: ref };
    case 'expected':
    case 'cancelled':
      return null;
    default: {
      const never: never = p.status;
      throw new Error(`unknown parcel status ${String(never)}`);
    }
  }
}
