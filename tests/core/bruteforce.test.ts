import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src-main/clock';
import { depositParcel, makeKiosk, tempDir, type TestKiosk } from './harness';

/** A bank of 128 compartments (8 boards × 16 locks), enough for 100 parcels waiting at once. */
function bigLayout(dir: string): string {
  const compartments = [];
  for (let board = 0; board < 8; board++) {
    for (let lock = 0; lock < 16; lock++) {
      const n = board * 16 + lock + 1;
      compartments.push({ id: `B${String(n).padStart(3, '0')}`, board, lock, size: 'S', column: n % 16, row: Math.floor((n - 1) / 16), heightCm: 20 + (n % 8) * 20 });
    }
  }
  const file = path.join(dir, 'bank-128.json');
  fs.writeFileSync(file, JSON.stringify({ name: 'bank 128', columns: 16, rows: 8, compartments }));
  return file;
}

let k: TestKiosk;
afterAll(async () => k?.close());

describe('brute force', () => {
  it('10,000 random codes against 100 waiting parcels: the keypad hardens after 5, no false accept (ADR 0008 (code lockout))', async () => {
    const dir = tempDir();
    k = await makeKiosk({ dir, config: { layout: bigLayout(dir) } });
    const rnd = seededRandom(2026);
    const sixDigits = () => String(rnd.bytes(4).readUInt32BE(0) % 1_000_000).padStart(6, '0');
    const valid = new Map<string, string>();
    for (let i = 0; valid.size < 100; i++) {
      const code = sixDigits();
      if (valid.has(code)) continue;
      const id = `B${String(valid.size + 1).padStart(3, '0')}`;
      depositParcel(k, id, { code });
      valid.set(code, id);
    }
    const tally = { accepted: 0, invalid: 0, checkRequired: 0, other: 0 };
    for (let i = 0; i < 10_000; i++) {
      k.clock.advance(1000);
      const code = sixDigits();
      const r = await k.call('pickupSubmitCode', { code, source: i % 2 ? 'scan' : 'keypad' });
      if (r.ok) {
        tally.accepted++;
        expect(valid.get(code), `accepted ${code}`).toBe(r.value.where.compartmentId);
      } else if (r.error!.code === 'CODE_INVALID') {
        tally.invalid++;
        expect(valid.has(code), `rejected a valid code ${code}`).toBe(false);
      } else if (r.error!.code === 'CHECK_REQUIRED') {
        tally.checkRequired++;
      } else tally.other++;
    }
    expect(tally.other).toBe(0);
    // 5 plain guesses per rolling 24 h; after that a code alone is not even looked up (it needs its check code).
    expect(tally.invalid + tally.accepted).toBeLessThanOrEqual(5);
    expect(tally.checkRequired).toBeGreaterThan(9_900);
    const audited = k.services.repos.audit.recent(500).filter((e) => e.action === 'code.hardened');
    expect(audited.length).toBe(1);
    expect(k.services.repos.audit.verify().ok).toBe(true);
    // The acceptance decision itself (digest → indexed lookup) over 10,000 more random codes, without the lock in the way.
    let hits = 0;
    for (let i = 0; i < 10_000; i++) {
      const code = sixDigits();
      const row = k.services.repos.parcels.byDigest(k.services.pickup.digest(code));
      expect(row?.compartmentId ?? null).toBe(valid.get(code) ?? null);
      if (row) hits++;
    }
    console.log(`brute force: direct lookups matched ${hits} real codes, no false accept`);
    console.log(`brute force: ${JSON.stringify(tally)}`);
  });
});
