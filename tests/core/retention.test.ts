import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestResponse } from '../../src-shared/sync-protocol';
import { codeDigest } from '../../src-common/code-digest';
import { createLogger } from '../../src-main/log';
import { PRUNE_BATCH, PRUNED_SEQ_KEY, RETENTION, Retention } from '../../src-main/store/retention';
import { applyManifestPage } from '../../src-main/sync/apply-manifest';
import { depositParcel, expectParcel, makeKiosk, SECRET, type TestKiosk } from './harness';

/**
 * Issue 14, the disk stays bounded: acked outbox events, door operations and finished parcels were kept for ever. Now
 * each is pruned after its window (store/retention.ts, README "What the kiosk keeps"), in batches of PRUNE_BATCH rows,
 * one transaction each, with the event loop free between them; nothing still needed goes, whatever its age. A real
 * SQLite file; rows made through the repositories the services use.
 */
let k: TestKiosk;
afterEach(async () => k?.close());

const DAY = 86_400_000;
const count = (k: TestKiosk, sql: string, ...args: unknown[]) => (k.ctx.db.prepare(sql).get(...args) as { n: number }).n;

/** A parcel taken out through a door operation that closed now (a pickup, done through the repositories). */
function pickedUp(k: TestKiosk, compartmentId: string, serverSeq: number) {
  const p = expectParcel(k);
  const { parcels, doorOps } = k.services.repos;
  const now = k.clock.now();
  k.ctx.db.prepare('UPDATE parcels SET server_seq = ? WHERE id = ?').run(serverSeq, p.id);
  parcels.patch(p.id, { compartment_id: compartmentId }, now);
  parcels.transition(p.id, 'deposited', { deposited_at: now, expires_at: now + 3 * DAY }, now);
  const opId = `op_${p.id}`;
  doorOps.insert({ id: opId, purpose: 'pickup', compartmentId, parcelId: p.id, actor: 'customer' }, now);
  doorOps.advance(opId, 'closed', now, { outcome: 'completed' });
  parcels.transition(p.id, 'picked_up', { code_digest: null, picked_up_at: now }, now);
  return { ...p, opId };
}

describe('retention', () => {
  it('prunes acked events, door operations and finished parcels past their windows, and nothing still needed', async () => {
    k = await makeKiosk();
    const { repos } = k.services;
    const t0 = k.clock.now();

    // Long ago: a finished parcel with its operation, an acked event, an unacked one, a door operation never finished.
    const old = pickedUp(k, 'A02', 7);
    const ackedOld = repos.outbox.enqueue('parcel.picked_up', { barcode: old.barcode, compartmentId: 'A02' }, t0);
    repos.outbox.markAcked([ackedOld], t0);
    const unackedOld = repos.outbox.enqueue('door.forced_open', { compartmentId: 'A03' }, t0);
    repos.doorOps.insert({ id: 'op_open_for_ever', purpose: 'maintenance', compartmentId: 'A04', parcelId: null, actor: 'tech' }, t0);
    repos.doorOps.advance('op_open_for_ever', 'opened', t0);
    // Long ago too, but still in a compartment: the parcel and the operation that put it there stay.
    const waiting = depositParcel(k, 'A05');
    repos.doorOps.insert({ id: 'op_deposit_waiting', purpose: 'dropoff', compartmentId: 'A05', parcelId: waiting.id, actor: 'driver' }, t0);
    repos.doorOps.advance('op_deposit_waiting', 'closed', t0, { outcome: 'completed' });

    k.clock.advance(RETENTION.parcelsMs + DAY);
    const now = k.clock.now();
    // Recent: a finished parcel inside every window, and an operation whose reopen window is still running.
    const recent = pickedUp(k, 'A06', 9);
    repos.doorOps.insert({ id: 'op_in_grace', purpose: 'pickup', compartmentId: 'A07', parcelId: null, actor: 'customer' }, now - RETENTION.doorOpsMs - DAY);
    repos.doorOps.advance('op_in_grace', 'closed', now - RETENTION.doorOpsMs - DAY, { outcome: 'completed', grace_until: now + 60_000 });

    const yields: boolean[] = [];
    const pruned = await new Retention(k.ctx.db).run(now, async () => void yields.push(k.ctx.db.inTransaction));
    expect(pruned).toEqual({ outbox_notes: 0, outbox: 1, door_operations: 1, parcels: 1 });

    expect(repos.parcels.get(old.id)).toBeNull();
    expect(repos.doorOps.get(old.opId)).toBeNull();
    expect(count(k, 'SELECT count(*) AS n FROM outbox WHERE id = ?', ackedOld)).toBe(0);
    // Kept: what is unacked, unfinished, still in a compartment, in a reopen window, or inside its window.
    expect(count(k, 'SELECT count(*) AS n FROM outbox WHERE id = ?', unackedOld)).toBe(1);
    expect(repos.doorOps.get('op_open_for_ever')?.state).toBe('opened');
    expect(repos.parcels.get(waiting.id)?.status).toBe('deposited');
    expect(repos.doorOps.get('op_deposit_waiting')).not.toBeNull();
    expect(repos.doorOps.get('op_in_grace')).not.toBeNull();
    expect(repos.parcels.get(recent.id)?.status).toBe('picked_up');
    expect(repos.doorOps.get(recent.opId)).not.toBeNull();
    // The event loop was free (no transaction open) every time the prune let others go first.
    expect(yields.every((inTx) => !inTx)).toBe(true);
    expect(k.ctx.db.prepare('SELECT value FROM meta WHERE key = ?').get(PRUNED_SEQ_KEY)).toEqual({ value: '7' });
  });

  it('deletes in batches of PRUNE_BATCH rows, one transaction each, yielding between them', async () => {
    k = await makeKiosk();
    const { repos } = k.services;
    const t0 = k.clock.now();
    const n = 2 * PRUNE_BATCH + 37;
    k.ctx.db.transaction(() => {
      for (let i = 0; i < n; i++) repos.outbox.markAcked([repos.outbox.enqueue('door.forced_open', { compartmentId: 'A02' }, t0)], t0);
    })();
    k.clock.advance(RETENTION.outboxAckedMs + DAY);
    const retention = new Retention(k.ctx.db);
    // One batch is PRUNE_BATCH rows at most.
    expect(retention.batch('outbox', k.clock.now())).toBe(PRUNE_BATCH);
    // Between two batches a customer's pickup gets its door: the prune holds no lock while it waits.
    const p = depositParcel(k, 'A02', { code: '424242' });
    let opened: string | null = null;
    const pruned = await retention.run(k.clock.now(), async () => {
      if (opened) return;
      const r = await k.call('pickupSubmitCode', { code: '424242' });
      opened = r.ok ? (r.value.operationId as string) : `refused ${r.error?.code}`;
    });
    expect(pruned.outbox).toBe(n - PRUNE_BATCH);
    expect(opened).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(repos.doorOps.get(opened!)?.parcelId).toBe(p.id);
    expect(count(k, 'SELECT count(*) AS n FROM outbox WHERE acked_at IS NOT NULL')).toBe(0);
  });

  it('a manifest read again from the start does not bring a pruned parcel back; a new one still arrives', async () => {
    k = await makeKiosk();
    const gone = pickedUp(k, 'A02', 41);
    k.clock.advance(RETENTION.parcelsMs + DAY);
    await new Retention(k.ctx.db).run(k.clock.now(), async () => {});
    expect(k.services.repos.parcels.get(gone.id)).toBeNull();

    const entry = (seq: number, id: string, barcode: string, code: string) => ({
      seq,
      parcelId: id,
      barcode,
      size: 'S' as const,
      codeDigest: codeDigest(SECRET, code),
      pickupWindowDays: 3,
      accessible: false,
    });
    const page: ManifestResponse = {
      expected: [entry(41, gone.id, gone.barcode, gone.code), entry(42, 'p_newparcel0001', 'BC-NEW0001', '909090')],
      cancellations: [],
      extensions: [],
      revokedBadges: [],
      revokedBadgeIds: [],
      nextCursor: '42',
      hasMore: false,
      serverTime: new Date(k.clock.now()).toISOString(),
    };
    const { repos } = k.services;
    const applied = applyManifestPage({ db: k.ctx.db, parcels: repos.parcels, outbox: repos.outbox, enrollment: repos.enrollment, log: createLogger('test') }, page, k.clock.now());
    expect(applied.expected).toMatchObject({ inserted: 1, ignored: 1 });
    expect(repos.parcels.get(gone.id)).toBeNull();
    expect(repos.parcels.get('p_newparcel0001')?.status).toBe('expected');
  });
});
