import { expect } from 'vitest';
import { checkDigest, codeDigest, qrDigest } from '../../src-common/code-digest';
import type { Size } from '../../src-shared/api/common';
import { ManifestResponse } from '../../src-shared/sync-protocol';
import { createLogger } from '../../src-main/log';
import { applyManifestPage } from '../../src-main/sync/apply-manifest';
import { SECRET, type TestKiosk } from './harness';

/** Drop-offs (issue 13, ADR drop-offs) announced to a test kiosk the way the sync announces them. */
const DAY = 86_400_000;
let seq = 0;
export interface Dropoff {
  id: string;
  barcode: string;
  code: string;
  check: string;
  qrToken: string;
  size: Size;
}

/** A manifest page carrying one drop-off, applied to the kiosk's store exactly as the sync applies pages. */
export function announceDropoff(kiosk: TestKiosk, o: Partial<Dropoff> & { deadline?: number } = {}): Dropoff {
  seq++;
  const d: Dropoff = {
    id: `p_send${String(seq).padStart(8, '0')}`,
    barcode: `RET-${String(seq).padStart(5, '0')}`,
    code: o.code ?? String(700000 + seq * 131).slice(-6),
    check: o.check ?? String(2000 + seq),
    qrToken: o.qrToken ?? `SEND${String(seq).padStart(6, '0')}abcdefghijkl`,
    size: o.size ?? 'S',
  };
  const page = ManifestResponse.parse({
    expected: [],
    cancellations: [],
    extensions: [],
    revokedBadges: [],
    revokedBadgeIds: [],
    dropoffs: [
      {
        seq,
        parcelId: d.id,
        barcode: d.barcode,
        size: d.size,
        codeDigest: codeDigest(SECRET, d.code),
        qrDigest: qrDigest(SECRET, d.qrToken),
        checkDigest: checkDigest(SECRET, d.code, d.check),
        deadline: new Date(o.deadline ?? kiosk.clock.now() + 7 * DAY).toISOString(),
      },
    ],
    nextCursor: String(seq),
    hasMore: false,
    serverTime: new Date(kiosk.clock.now()).toISOString(),
  });
  const { repos } = kiosk.services;
  const r = applyManifestPage({ db: repos.db, parcels: repos.parcels, outbox: repos.outbox, enrollment: repos.enrollment, log: createLogger('test') }, page, kiosk.clock.now());
  expect(r.dropoffs.inserted).toBe(1);
  return d;
}

