import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bestFit, exactFit, type Candidate } from '../../src-main/domain/allocation';
import { openDatabase } from '../../src-main/store/sqlite';
import { kioskMigrations } from '../../src-main/store/migrations/index';
import { assertNoSharedCompartments, badge, expectParcel, makeKiosk, type TestKiosk } from './harness';

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
