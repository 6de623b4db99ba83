import { afterEach, describe, expect, it } from 'vitest';
import { badge, depositParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

/**
 * Issue 9 §2: "A second person pressed 'Reopen' 5 s after the first walked away and door A02 opened with no code."
 * A reopen belongs to the visit that opened the door: its one-time token, within `reopenSeconds` of the close
 * (monotonic), and never after that visit ended.
 */
let k: TestKiosk;
afterEach(async () => k?.close());

async function pickUp(kiosk: TestKiosk, compartmentId: string, code: string) {
  const r = await kiosk.call('pickupSubmitCode', { code });
  expect(r.ok).toBe(true);
  await waitOp(kiosk, r.value.operationId, ['opened']);
  kiosk.sim.removeItem(compartmentId);
  kiosk.sim.closeDoor(compartmentId);
  await waitOp(kiosk, r.value.operationId, ['closed']);
  return { operationId: r.value.operationId as string, reopenToken: r.value.reopenToken as string };
}

describe('reopen belongs to the visit that opened the door', () => {
  it('a second person 5 s later, with the operation id but not the visit’s token, opens nothing', async () => {
    k = await makeKiosk({ config: { graceSeconds: 60, reopenSeconds: 20 } });
    depositParcel(k, 'A02', { code: '424242' });
    const visit = await pickUp(k, 'A02', '424242');
    k.clock.advance(5_000);
    const unlocks = k.sim.received.unlock;
    // What today's screen sends, and what anyone who saw the operation id could send.
    const bare = await k.call('pickupReopen', { operationId: visit.operationId });
    expect(bare.ok).toBe(false);
    const guessed = await k.call('pickupReopen', { operationId: visit.operationId, reopenToken: 'A'.repeat(22) });
    expect(guessed.error?.code).toBe('INVALID_STATE');
    expect(k.sim.received.unlock).toBe(unlocks);
    expect(k.sim.door('A02').open).toBe(false);
    // The visit itself still can, once: a reopen hands out a fresh token and spends the old one.
    const own = await k.call('pickupReopen', visit);
    expect(own.ok).toBe(true);
    expect(own.value.reopenToken).not.toBe(visit.reopenToken);
    await waitOp(k, own.value.operationId, ['opened']);
    k.sim.closeDoor('A02');
    await waitOp(k, own.value.operationId, ['closed']);
    expect((await k.call('pickupReopen', visit)).error?.code).toBe('INVALID_STATE');
  });

  it('Finish, a new code entry at the keypad, or a staff session ends the visit’s reopen right', async () => {
    k = await makeKiosk({ config: { graceSeconds: 60, reopenSeconds: 20 } });
    depositParcel(k, 'A02', { code: '111111' });
    depositParcel(k, 'A03', { code: '222222' });
    depositParcel(k, 'A04', { code: '333333' });
    const unlocks = () => k.sim.received.unlock;

    const a = await pickUp(k, 'A02', '111111');
    expect((await k.call('pickupEndVisit', {})).ok).toBe(true); // Finish (or idle, or back to attract)
    let before = unlocks();
    expect((await k.call('pickupReopen', a)).error?.code).toBe('INVALID_STATE');
    expect(unlocks()).toBe(before);

    const b = await pickUp(k, 'A03', '222222');
    // Someone else starts at the keypad (even with a wrong code): the previous visit is over.
    expect((await k.call('pickupSubmitCode', { code: '909090' })).error?.code).toBe('CODE_INVALID');
    before = unlocks();
    expect((await k.call('pickupReopen', b)).error?.code).toBe('INVALID_STATE');
    expect(unlocks()).toBe(before);

    const c = await pickUp(k, 'A04', '333333');
    expect((await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) })).ok).toBe(true);
    before = unlocks();
    expect((await k.call('pickupReopen', c)).error?.code).toBe('INVALID_STATE');
    expect(unlocks()).toBe(before);
  });

  it('the window is short and monotonic: past reopenSeconds it is over, and a wall clock stepped back does not reopen it', async () => {
    k = await makeKiosk({ config: { graceSeconds: 60, reopenSeconds: 20 } });
    depositParcel(k, 'A05', { code: '555555' });
    const v = await pickUp(k, 'A05', '555555');
    k.clock.advance(21_000);
    k.clock.jump(-60_000); // NTP steps the wall clock back a minute: the reopen window must not come back with it
    const before = k.sim.received.unlock;
    expect((await k.call('pickupReopen', v)).error?.code).toBe('INVALID_STATE');
    expect(k.sim.received.unlock).toBe(before);
    // Whoever holds the code is the customer: re-entering it within graceSeconds still reopens.
    const byCode = await k.call('pickupSubmitCode', { code: '555555' });
    expect(byCode.ok).toBe(true);
  });
});
