import { afterEach, describe, expect, it } from 'vitest';
import { MAX_WAITING } from '../../src-main/services/lockout';
import { depositParcel, makeKiosk, type TestKiosk } from './harness';

/**
 * Red-team finding 6a (ADR 0008 (code lockout)): hardened answers are paced, but the waiting queue had no bound: each
 * of N concurrent entries pushed the next slot one pace further, so a script holding many requests open made the next
 * honest customer wait N paces. Now at most MAX_WAITING wait; beyond that an entry is answered at once (KEYPAD_BUSY),
 * not looked up and given no slot, and still at most one hardened answer completes per pace.
 */
let k: TestKiosk;
afterEach(async () => k?.close());

describe('hardened pacing has a bounded queue', () => {
  it('20 entries at once: MAX_WAITING + 1 are answered (one per pace), the rest refused at once; the next customer waits at most the bound', async () => {
    const pace = 100;
    k = await makeKiosk({ config: { lockout: { hardenedPaceMs: pace } } });
    const p = depositParcel(k, 'A02');
    for (let i = 0; i < k.ctx.config.lockout.maxAttempts; i++) await k.call('pickupSubmitCode', { code: `80000${i}` });
    expect((await k.call('pickupKeypadMode', {})).value.checkRequired).toBe(true);
    const failuresBefore = k.services.repos.attempts.countSince('code', 0);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => k.call('pickupSubmitCode', { code: String(700000 + i), check: '1234' })));
    const codes = answers.map((a) => a.error?.code);
    expect(codes.filter((c) => c === 'CODE_INVALID')).toHaveLength(MAX_WAITING + 1);
    const busy = answers.filter((a) => a.error?.code === 'KEYPAD_BUSY');
    expect(busy).toHaveLength(20 - MAX_WAITING - 1);
    expect(busy.every((a) => typeof a.error?.details?.retryAfterMs === 'number' && (a.error.details.retryAfterMs as number) <= (MAX_WAITING + 1) * pace)).toBe(true);
    // Refused entries were never looked up, so they are not failures either (nothing learnt, nothing counted).
    expect(k.services.repos.attempts.countSince('code', 0)).toBe(failuresBefore + MAX_WAITING + 1);
    // The queue drained: the customer with code + check code is answered, and opens the door.
    const t0 = performance.now();
    const mine = await k.call('pickupSubmitCode', { code: p.code, check: p.check });
    expect(mine.ok).toBe(true);
    expect(performance.now() - t0).toBeLessThan((MAX_WAITING + 2) * pace + 1000);
  });
});
