import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-main/clock';
import { SEND_RESUME_WINDOW_MS } from '../../src-main/services/send-resume';
import { announceDropoff } from './dropoffs';
import { depositParcel, makeKiosk, tempDir, waitOp, type TestKiosk } from './harness';

/**
 * A page reloaded (or a crashed renderer loaded again) in the middle of a sender's drop-off asks main where it stood
 * (`sendResume`), on a real SQLite store and the board simulator (issues 10 and 13): the open door with a working
 * "doesn't fit", the question after a sensorless close, or the receipt, the last two for a short while only, and
 * never anything of another visit. The screens themselves are e2e/flows/send-resume.spec.ts.
 */
let k: TestKiosk;
afterEach(async () => k?.close());

const NO_SENSORS = { serial: { protocol: 'simulator', itemSensors: false } };
const resume = async (kiosk: TestKiosk) => {
  const r = await kiosk.call('sendResume', {});
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  return r.value.resume;
};

async function openFor(kiosk: TestKiosk, code: string): Promise<{ operationId: string; door: string; fitToken: string }> {
  const r = await kiosk.call('sendSubmitCode', { code });
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  await waitOp(kiosk, r.value.operationId, ['opened']);
  return { operationId: r.value.operationId, door: r.value.where.compartmentId, fitToken: r.value.fitToken };
}

describe('a reloaded screen picks up the sender’s drop-off', () => {
  it('door open: the door step with a fresh "doesn’t fit" token; the lost page’s token is spent, the new one opens the next size up', async () => {
    k = await makeKiosk();
    const d = announceDropoff(k, { size: 'M' });
    const lost = await openFor(k, d.code);
    const at = await resume(k);
    expect(at).toMatchObject({ step: 'door', confirmed: false, op: { operationId: lost.operationId, state: 'opened', outcome: 'pending' } });
    expect(at.started).toMatchObject({ operationId: lost.operationId, where: { compartmentId: lost.door, size: 'M' }, confirmNeeded: false });
    // The reloaded page holds the only token that works: the one the lost page had is revoked.
    expect((await k.call('sendDoesntFit', { operationId: lost.operationId, token: lost.fitToken })).error?.code).toBe('NOT_FOUND');
    const bigger = await k.call('sendDoesntFit', { operationId: lost.operationId, token: at.started.fitToken });
    expect(bigger.value.where).toMatchObject({ size: 'L' });
    await waitOp(k, bigger.value.operationId, ['opened']);
    // Reloaded again: the larger door, not the abandoned first one (still open, its operation cancelled).
    expect(await resume(k)).toMatchObject({ step: 'door', op: { operationId: bigger.value.operationId } });
    // Spent once, the resumed token opens nothing more.
    expect((await k.call('sendDoesntFit', { operationId: lost.operationId, token: at.started.fitToken })).ok).toBe(false);
  });

  it('closed on the parcel: the receipt with the reference the store holds, for 60 s, and never once the screen left it', async () => {
    k = await makeKiosk();
    const d = announceDropoff(k);
    const o = await openFor(k, d.code);
    k.sim.putItem(o.door);
    k.sim.closeDoor(o.door);
    await waitOp(k, o.operationId, ['closed']);
    const receipt = k.services.repos.parcels.get(d.id)!.receipt;
    expect(receipt).toMatch(/^R-/);
    expect(await resume(k)).toEqual({ step: 'receipt', op: expect.objectContaining({ operationId: o.operationId, compartmentId: o.door, reference: receipt }) });
    k.clock.advance(SEND_RESUME_WINDOW_MS);
    expect((await resume(k))?.step).toBe('receipt');
    k.clock.advance(1);
    expect(await resume(k)).toBeNull();

    const e = announceDropoff(k);
    const o2 = await openFor(k, e.code);
    k.sim.putItem(o2.door);
    k.sim.closeDoor(o2.door);
    await waitOp(k, o2.operationId, ['closed']);
    expect((await resume(k))?.step).toBe('receipt');
    expect((await k.call('sendDismiss', { operationId: o2.operationId })).ok).toBe(true);
    expect(await resume(k)).toBeNull();
  });

  it('no item sensors: a close before "I put it in" resumes at the question; "yes" gives the receipt; another visit’s door since shows nothing', async () => {
    k = await makeKiosk({ config: NO_SENSORS });
    const d = announceDropoff(k);
    const o = await openFor(k, d.code);
    expect(await resume(k)).toMatchObject({ step: 'door', started: { confirmNeeded: true }, confirmed: false });
    k.sim.closeDoor(o.door);
    await waitOp(k, o.operationId, ['closed']);
    expect(await resume(k)).toEqual({ step: 'asking', op: expect.objectContaining({ operationId: o.operationId, outcome: 'empty_on_close', reference: null }) });
    const yes = await k.call('sendConfirm', { operationId: o.operationId, inside: true });
    expect(yes.value).toMatchObject({ outcome: 'completed', reference: expect.stringMatching(/^R-/) });
    expect(await resume(k)).toMatchObject({ step: 'receipt', op: { reference: yes.value.reference } });

    // The next person picks up a parcel: the sender's receipt is no longer this screen's.
    const free = k.ctx.layout.compartments.find((c) => c.id !== o.door)!.id;
    const p = depositParcel(k, free);
    expect((await k.call('pickupSubmitCode', { code: p.code })).ok).toBe(true);
    expect(await resume(k)).toBeNull();
  });

  it('the question lasts the window only, and nothing closed before a restart comes back after it', async () => {
    const dir = tempDir();
    const clock = new ManualClock();
    k = await makeKiosk({ config: NO_SENSORS, dir, clock });
    const d = announceDropoff(k);
    const o = await openFor(k, d.code);
    k.sim.closeDoor(o.door);
    await waitOp(k, o.operationId, ['closed']);
    expect((await resume(k))?.step).toBe('asking');
    await k.close();
    // Main restarts a moment later (its "dismissed" marks were in memory): closes from before it are not resumed.
    clock.advance(1_000);
    k = await makeKiosk({ config: NO_SENSORS, dir, clock, enroll: false });
    expect(await resume(k)).toBeNull();
    await k.close();

    k = await makeKiosk({ config: NO_SENSORS });
    const e = announceDropoff(k);
    const o2 = await openFor(k, e.code);
    k.sim.closeDoor(o2.door);
    await waitOp(k, o2.operationId, ['closed']);
    k.clock.advance(SEND_RESUME_WINDOW_MS + 1);
    expect(await resume(k)).toBeNull();
    // The code still reopens that door, as before: the reservation was never the resume's to give away.
    expect((await k.call('sendSubmitCode', { code: e.code })).value.where.compartmentId).toBe(o2.door);
  });
});
