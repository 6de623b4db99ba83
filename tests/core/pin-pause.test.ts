import { afterEach, describe, expect, it } from 'vitest';
import { PIN_PAUSE_CAP_MS } from '../../src-main/domain/lockout';
import { EventsRequest } from '../../src-shared/sync-protocol';
import { badge, makeKiosk, type TestKiosk } from './harness';

/**
 * Red-team finding 3: the technician PIN kept the old kiosk-wide lockout: `attemptsLeft` 4,3,2,1 told the next
 * person about others' failures, the lock doubled up to 24 h, only the audit knew, nothing cleared it, and the PIN
 * screen said nothing until a PIN was typed. Now: no count shown, a pause never longer than 15 min (monotonic), the
 * screen asks up front (`authPinStatus`), a technician badge still signs in and clears it, the fleet is told.
 */
let k: TestKiosk;
afterEach(async () => k?.close());

const MIN = 60_000;

async function wrongPins(t: TestKiosk, n: number) {
  const answers = [];
  for (let i = 0; i < n; i++) answers.push(await t.call('authPin', { pin: `90${i}0` }));
  return answers;
}

describe('technician PIN pause', () => {
  it('no answer says how many tries are left: the next person learns nothing of earlier failures', async () => {
    k = await makeKiosk();
    const answers = await wrongPins(k, 4);
    for (const a of answers) {
      expect(a.error?.code).toBe('PIN_INVALID');
      expect(a.error?.details?.attemptsLeft).toBeUndefined();
      expect(JSON.stringify(a.error)).not.toMatch(/attempt|left/i);
    }
  });

  it('the screen is told up front, with until when; the pause never grows beyond the cap; a wall clock step changes nothing', async () => {
    k = await makeKiosk();
    expect((await k.call('authPinStatus', {})).value).toEqual({ paused: false, until: null });
    let longest = 0;
    for (let round = 0; round < 8; round++) {
      const last = (await wrongPins(k, 5)).at(-1)!;
      expect(last.error?.code).toBe('LOCKED_OUT');
      const wait = last.error!.details!.retryAfterMs as number;
      longest = Math.max(longest, wait);
      const status = (await k.call('authPinStatus', {})).value;
      expect(status.paused).toBe(true);
      expect(Date.parse(status.until)).toBe(k.clock.now() + wait);
      k.clock.advance(wait); // repeat right after each pause: the worst case for growth
    }
    expect(longest).toBe(PIN_PAUSE_CAP_MS);
    expect(longest).toBeLessThanOrEqual(15 * MIN);
    await wrongPins(k, 5);
    k.clock.jump(-2 * 86_400_000); // NTP steps the wall clock back two days: the pause is on the monotonic clock
    const status = (await k.call('authPinStatus', {})).value;
    expect(Date.parse(status.until) - k.clock.now()).toBeLessThanOrEqual(PIN_PAUSE_CAP_MS);
    k.clock.advance(PIN_PAUSE_CAP_MS);
    expect((await k.call('authPin', { pin: '246810' })).ok).toBe(true);
  });

  it('a technician badge signs in while the PIN is paused and clears it (audited); the fleet hears of both, counts only', async () => {
    k = await makeKiosk();
    await wrongPins(k, 5);
    expect((await k.call('authPin', { pin: '246810' })).error?.code).toBe('LOCKED_OUT');
    // A driver's badge neither fails nor clears it.
    expect((await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) })).ok).toBe(true);
    expect((await k.call('authPinStatus', {})).value.paused).toBe(true);
    const tech = await k.call('authBadge', { badge: badge('technician', { now: k.clock.now() }) });
    expect(tech.ok).toBe(true);
    expect((await k.call('authPinStatus', {})).value).toEqual({ paused: false, until: null });
    expect((await k.call('authPin', { pin: '246810' })).ok).toBe(true);
    const audit = k.services.repos.audit.recent(50);
    expect(audit.some((e) => e.action === 'pin.lockout')).toBe(true);
    expect(audit.some((e) => e.action === 'pin.lockout_cleared' && e.actor === 'technician:b_tech00001')).toBe(true);
    const events = k.services.repos.outbox.pending(k.clock.now()).filter((e) => e.type === 'pin.lockout');
    expect(events.map((e) => e.payload)).toEqual([
      { windowMinutes: k.ctx.config.lockout.windowMinutes, failures: 5, pausedForMs: 5 * MIN, reason: 'paused' },
      { windowMinutes: k.ctx.config.lockout.windowMinutes, failures: 0, pausedForMs: 0, reason: 'cleared', badgeId: 'b_tech00001' },
    ]);
    expect(JSON.stringify(events)).not.toContain('90');
    // The sync contract takes them (the fleet server records them like codes.failed).
    const batch = events.map((e) => ({ id: e.id, type: e.type, occurredAt: e.occurredAt, payload: e.payload }));
    expect(EventsRequest.safeParse({ events: batch }).success).toBe(true);
  });
});
