/**
 * Years of kiosk history written straight into a store with batched SQL in one transaction (the services would take
 * hours for a million parcels): for bench/history.ts. What one finished parcel leaves behind, as the services write it:
 * the parcel (picked up, or expired and collected, or cancelled before delivery), its two door operations (drop-off and
 * pickup/collection, closed), three audit entries chained exactly as AuditRepo.append chains them, two acked outbox
 * events, and one failed code entry per ten parcels. Spread evenly over `years` before `now`.
 * (Files starting with `_` are helpers: bench/run-all.ts does not run them.)
 */
import crypto from 'node:crypto';
import type { Layout } from '../src-shared/layout';
import { auditHash, GENESIS_HASH } from '../src-main/store/audit';
import type { Db } from '../src-main/store/sqlite';

export interface SeedResult {
  parcels: number;
  doorOps: number;
  audit: number;
  outbox: number;
  attempts: number;
  seconds: number;
}

const hex = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Seeds `n` historical parcels (see the file comment). The layout's compartments must already be in the store. */
export function seedHistory(db: Db, layout: Layout, n: number, now: number, years = 5): SeedResult {
  const t0 = performance.now();
  const span = years * 365 * 86_400_000;
  const start = now - span - 7 * 86_400_000; // the newest finished a week ago: nothing of it is still in a window
  const step = span / n;
  const comps = layout.compartments;
  const parcel = db.prepare(
    `INSERT INTO parcels (id, barcode, size, status, compartment_id, qr_digest, check_digest, pickup_window_days, expires_at, created_at, updated_at,
       deposited_at, picked_up_at, expired_at, collected_at, cancelled_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 3, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const op = db.prepare(
    `INSERT INTO door_operations (id, purpose, compartment_id, parcel_id, actor, state, outcome, grace_until, session_id, requested_at, unlocked_at, opened_at, closed_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'closed', 'completed', ?, ?, ?, ?, ?, ?, ?)`,
  );
  const audit = db.prepare('INSERT INTO audit_log (id, at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const outbox = db.prepare('INSERT INTO outbox (id, type, occurred_at, payload, acked_at) VALUES (?, ?, ?, ?, ?)');
  const attempt = db.prepare("INSERT INTO failed_attempts (scope, at) VALUES ('code', ?)");
  const head = db.prepare("INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  const counts = { parcels: 0, doorOps: 0, audit: 0, outbox: 0, attempts: 0 };
  const last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
  let auditId = last?.id ?? 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const chain = (at: number, actor: string, action: string, detail: Record<string, unknown>) => {
    const row = { id: ++auditId, at, actor, action, detail: JSON.stringify(detail) };
    const hash = auditHash(prev, row);
    audit.run(row.id, row.at, row.actor, row.action, row.detail, prev, hash);
    prev = hash;
    counts.audit++;
  };
  let outboxN = 0;
  const event = (type: string, at: number, payload: Record<string, unknown>) => {
    const id = `00000000-0000-4000-8000-${(++outboxN).toString(16).padStart(12, '0')}`;
    outbox.run(id, type, at, JSON.stringify(payload), at + 2_000);
    counts.outbox++;
  };
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const id = `p_hist${String(i).padStart(8, '0')}`;
      const barcode = `HB-${i}`;
      const c = comps[i % comps.length]!;
      const created = Math.round(start + i * step);
      const kind = i % 97 === 0 ? 'cancelled' : i % 50 === 0 ? 'collected' : 'picked_up';
      const qr = hex(`qr${i}`);
      const check = hex(`check${i}`);
      if (kind === 'cancelled') {
        parcel.run(id, barcode, c.size, 'cancelled', null, qr, check, null, created, created + 3_600_000, null, null, null, null, created + 3_600_000);
        counts.parcels++;
        continue;
      }
      const deposited = created + 6 * 3_600_000;
      const expires = deposited + 3 * 86_400_000;
      const expired = kind === 'collected' ? expires : null;
      const finished = kind === 'collected' ? expires + 86_400_000 : deposited + 20 * 3_600_000;
      parcel.run(id, barcode, c.size, kind, c.id, qr, check, expires, created, finished, deposited, kind === 'picked_up' ? finished : null, expired, kind === 'collected' ? finished : null, null);
      counts.parcels++;
      const driver = `driver:b_histdrv${String(i % 40).padStart(2, '0')}`;
      op.run(`dh${i}`, 'dropoff', c.id, id, driver, null, `s_hist${Math.floor(i / 8)}`, deposited - 20_000, deposited - 19_990, deposited - 19_000, deposited, deposited);
      const second = kind === 'collected' ? 'collection' : 'pickup';
      const actor = kind === 'collected' ? driver : 'customer';
      op.run(`ph${i}`, second, c.id, id, actor, kind === 'picked_up' ? finished + 60_000 : null, null, finished - 30_000, finished - 29_990, finished - 29_000, finished, finished);
      counts.doorOps += 2;
      chain(deposited - 20_000, driver, 'dropoff.allocated', { parcelId: id, compartmentId: c.id, operationId: `dh${i}`, strategy: 'best-fit' });
      chain(deposited, 'system', 'parcel.deposited', { parcelId: id, compartmentId: c.id, operationId: `dh${i}` });
      chain(finished, actor, kind === 'collected' ? 'collection.done' : 'pickup.done', { parcelId: id, compartmentId: c.id, operationId: `ph${i}` });
      event('parcel.deposited', deposited, { parcelId: id, barcode, compartmentId: c.id, size: c.size });
      event(kind === 'collected' ? 'parcel.collected' : 'parcel.picked_up', finished, { parcelId: id, barcode, compartmentId: c.id });
      if (i % 10 === 0) {
        attempt.run(created + 1_000);
        counts.attempts++;
      }
    }
    if (auditId > 0) head.run(`${auditId}:${prev}`);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { ...counts, seconds: (performance.now() - t0) / 1000 };
}
