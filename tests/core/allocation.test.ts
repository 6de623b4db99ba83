import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bestFit, exactFit, type Candidate } from '../../src-main/domain/allocation';
import { openDatabase } from '../../src-main/store/sqlite';
import { kioskMigrations } from '../../src-main/store/migrations/index';
import { assertNoSharedCompartments, badge, depositParcel, expectParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

const c = (id: string, size: Candidate['size'], heightCm: number): Candidate => ({ id, size, heightCm, row: 0, column: 0 });

describe('allocation strategies', () => {
  const free = [c('A01', 'S', 160), c('A02', 'S', 90), c('A03', 'M', 100), c('A04', 'L', 50), c('A05', 'XL', 10)];

  it('best fit takes the smallest size that fits and escalates', () => {
    expect(bestFit.choose({ size: 'S', accessible: false }, free)?.id).toBe('A01'); // keeps the low S for who needs it
    expect(bestFit.choose({ size: 'M', accessible: false }, free)?.id).toBe('A03');
    expect(bestFit.choose({ size: 'L', accessible: false }, free.filter((x) => x.id !== 'A04'))?.id).toBe('A05');
    expect(bestFit.choose({ size: 'XL', accessible: false }, free.filter((x) => x.size !== 'XL'))).toBeNull();
  });

  it('exact fit never escalates', () => {
    expect(exactFit.choose({ size: 'M', accessible: false }, free)?.id).toBe('A03');
    expect(exactFit.choose({ size: 'M', accessible: false }, free.filter((x) => x.size !== 'M'))).toBeNull();
  });

  it('accessible parcels prefer low compartments, even one size up', () => {
    expect(bestFit.choose({ size: 'S', accessible: true }, free)?.id).toBe('A02');
    const onlyHighS = [c('A01', 'S', 160), c('A03', 'M', 100)];
    expect(bestFit.choose({ size: 'S', accessible: true }, onlyHighS)?.id).toBe('A03');
    expect(exactFit.choose({ size: 'S', accessible: true }, onlyHighS)?.id).toBe('A01');
  });
});

describe('concurrent drop-offs', () => {
  let k: TestKiosk;
  afterEach(async () => k?.close());

  it('never give two parcels the same compartment, and never choose one out of service', async () => {
    k = await makeKiosk();
    k.services.repos.compartments.setService('A09', false, 'broken');
    const sessions: string[] = [];
    for (let d = 0; d < 3; d++) {
      const r = await k.call('authBadge', { badge: badge('driver', { bid: `b_driver000${d}`, now: k.clock.now() }) });
      sessions.push(r.value.sessionId);
    }
    const parcels = Array.from({ length: 30 }, (_, i) => expectParcel(k, { size: (['S', 'M', 'L'] as const)[i % 3] }));
    const results = await Promise.all(parcels.map((p, i) => k.call('dropoffScan', { sessionId: sessions[i % 3], barcode: p.barcode })));
    const ok = results.filter((r) => r.ok);
    const ids = ok.map((r) => r.value.where.compartmentId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain('A09');
    expect(ok.length).toBe(23); // 24 compartments, one out of service
    expect(results.filter((r) => !r.ok).every((r) => r.error!.code === 'NO_COMPARTMENT')).toBe(true);
    assertNoSharedCompartments(k);
  });

  it('never allocate a compartment held by a deposited, expired or reserved parcel, an open door or a reopen window', async () => {
    k = await makeKiosk({ config: { allocation: 'exact-fit' } });
    const now = () => k.clock.now();
    depositParcel(k, 'A01');
    depositParcel(k, 'A02');
    k.clock.advance(3 * 86_400_000 + 1);
    k.services.sweep(); // A01, A02: expired
    depositParcel(k, 'A03'); // deposited
    const t = (await k.call('authPin', { pin: '246810' })).value.sessionId;
    const m = await k.call('maintenanceOpenDoor', { sessionId: t, compartmentId: 'A09', reason: 'inspection' });
    await waitOp(k, m.value.operationId, ['opened']); // A09: a technician's door held open
    const picked = depositParcel(k, 'A17', { code: '171717' });
    const r = await k.call('pickupSubmitCode', { code: picked.code });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.removeItem('A17');
    k.sim.closeDoor('A17');
    await waitOp(k, r.value.operationId, ['closed']); // A17: in its reopen window
    const drivers = await Promise.all(
      ['b_driver0001', 'b_driver0002'].map(async (bid) => (await k.call('authBadge', { badge: badge('driver', { bid, now: now() }) })).value.sessionId as string),
    );
    const first = expectParcel(k, { size: 'S' });
    const held = await k.call('dropoffScan', { sessionId: drivers[0], barcode: first.barcode }); // reserved, door open
    const parcels = Array.from({ length: 6 }, () => expectParcel(k, { size: 'S' }));
    const results = await Promise.all(parcels.map((p, i) => k.call('dropoffScan', { sessionId: drivers[i % 2], barcode: p.barcode })));
    const ids = results.filter((x) => x.ok).map((x) => x.value.where.compartmentId as string);
    const taken = ['A01', 'A02', 'A03', 'A09', 'A17', held.value.where.compartmentId];
    expect(new Set(taken).size).toBe(6);
    expect(ids.filter((id) => taken.includes(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(2); // 8 S compartments, 6 held
    expect(results.filter((x) => !x.ok).map((x) => x.error!.code)).toEqual(['NO_COMPARTMENT', 'NO_COMPARTMENT', 'NO_COMPARTMENT', 'NO_COMPARTMENT']);
    assertNoSharedCompartments(k);
  });

  it('a second process cannot reserve a compartment the first one holds (the index is the backstop)', async () => {
    k = await makeKiosk();
    const p = expectParcel(k);
    const q = expectParcel(k);
    k.services.repos.parcels.patch(p.id, { compartment_id: 'A01' }, k.clock.now());
    const other = openDatabase(path.join(k.dir, 'kiosk.db'), kioskMigrations);
    try {
      expect(() => other.prepare('UPDATE parcels SET compartment_id = ? WHERE id = ?').run('A01', q.id)).toThrow(/UNIQUE/);
    } finally {
      other.close();
    }
  });
});
