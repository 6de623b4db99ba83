import { afterEach, describe, expect, it } from 'vitest';
import { KioskConfig } from '../../src-main/config';
import { attackBudget } from '../../src-main/domain/lockout';
import { depositParcel, expectParcel, makeKiosk, type TestKiosk } from './harness';

/**
 * Red-team finding 4 (ADR 0008 (code lockout)): the guesser's pool is every code the kiosk knows, deposited +
 * expected + expired. A code matching an expected parcel ("not delivered yet") or an expired one (a carrier's
 * `extend` can bring it back) used to be answered for free: a recognisable win outside the budget. Now every answer
 * that is not a door costs the plain budget like a wrong code.
 */
let k: TestKiosk;
afterEach(async () => k?.close());

const DAY = 86_400_000;

describe('the plain budget covers every code the kiosk knows', () => {
  it('hits on expected parcels are counted: at most maxAttempts plain lookups a day, then the keypad asks for the check code', async () => {
    k = await makeKiosk();
    const max = k.ctx.config.lockout.maxAttempts;
    // The worst case for the kiosk: the attacker's every guess names a real, not-yet-delivered parcel.
    const expected = Array.from({ length: 3 * max }, (_, i) => expectParcel(k, { code: String(300000 + i * 17) }));
    let answered = 0;
    for (const p of expected) {
      const r = await k.call('pickupSubmitCode', { code: p.code });
      if (r.error?.code !== 'CHECK_REQUIRED') answered++;
    }
    expect(answered).toBe(max);
    expect((await k.call('pickupKeypadMode', {})).value).toEqual({ checkRequired: true });
    const report = k.services.repos.outbox.pending(k.clock.now()).filter((e) => e.type === 'codes.failed');
    expect(report.at(-1)!.payload).toMatchObject({ mode: 'hardened', keypadFailures: max });
    // A person is still told plainly (a technician cleared the keypad), and it still costs one.
    k.services.pickup.lockout.clear('technician:t');
    const before = k.services.repos.attempts.countSince('code', 0);
    const first = await k.call('pickupSubmitCode', { code: expected[0]!.code });
    expect(first.error).toMatchObject({ code: 'CODE_INVALID', details: { notYetDelivered: true } });
    expect(k.services.repos.attempts.countSince('code', 0)).toBe(before + 1);
  });

  it('an expired code is counted too, and a carrier extension makes it valid again', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A04', { code: '414141' });
    k.clock.advance(3 * DAY + 1);
    k.services.sweep();
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('expired');
    const before = k.services.repos.attempts.countSince('code', 0);
    expect((await k.call('pickupSubmitCode', { code: '414141' })).error?.code).toBe('CODE_EXPIRED');
    expect(k.services.repos.attempts.countSince('code', 0)).toBe(before + 1);
    expect(k.services.repos.parcels.extend(p.id, 7, null, k.clock.now())).toBe(true);
    const r = await k.call('pickupSubmitCode', { code: '414141' });
    expect(r.ok).toBe(true);
  });

  it('the ADR numbers hold for the defaults with the pool counted whole (100 parcels deposited + expected + expired)', () => {
    const b = attackBudget(KioskConfig.parse({}).lockout, 100);
    expect(b).toMatchObject({ plainPerDay: 5, hardenedPerDay: 43_200 });
    expect(b.pPerDay).toBeCloseTo(9.32e-4, 6);
    expect(b.pPerDay).toBeLessThanOrEqual(1e-3);
  });
});
