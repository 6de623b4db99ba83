/**
 * A kiosk that runs one pickup, drop-off, collection or maintenance opening and SIGKILLs itself right after the door journal reaches a given state
 * (the `operation` event is pushed just after the journal row commits). Run by crash.test.ts through tsx:
 *   CRASH_DIR=… CRASH_FLOW=pickup|dropoff|collection|maintenance CRASH_AT=requested|unlocked|opened|closed tsx tests/core/crash-child.ts
 */
import { badge, depositParcel, expectParcel, makeKiosk, waitFor, waitOp, type TestKiosk } from './harness';

const dir = process.env.CRASH_DIR!;
const flow = process.env.CRASH_FLOW as 'pickup' | 'dropoff' | 'collection' | 'maintenance';
const at = process.env.CRASH_AT!;
/** Many children start at once on a loaded CI machine: a door read may take a while, and a timeout is not the crash. */
const SLOW = 20_000;

/**
 * depositParcel puts the item straight into the simulated compartment; the kiosk records what its last read said
 * before each unlock (ADR 0009), so wait until a poll has seen the item, as it would have after a real deposit.
 */
const sensed = (k: TestKiosk, id: string) => waitFor(() => k.ctx.doors.compartment(id).item === true, SLOW, `${id} read with its item`);

async function main(): Promise<void> {
  const k = await makeKiosk({ dir, seed: 1, jamMs: SLOW });
  const emit = k.ctx.emit;
  k.ctx.emit = ((event: string, payload: { state?: string }) => {
    emit(event as never, payload as never);
    if (event === 'operation' && payload.state === at) process.kill(process.pid, 'SIGKILL');
  }) as typeof k.ctx.emit;

  if (flow === 'pickup') {
    depositParcel(k, 'A02', { id: 'p_crash00001', barcode: 'CR-0001', code: '246802' });
    await sensed(k, 'A02');
    const r = await k.call('pickupSubmitCode', { code: '246802' });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    await waitOp(k, r.value.operationId, ['opened'], SLOW);
    k.sim.removeItem('A02');
    k.sim.closeDoor('A02');
    await waitOp(k, r.value.operationId, ['closed'], SLOW);
  } else if (flow === 'collection') {
    depositParcel(k, 'A03', { id: 'p_crash00003', barcode: 'CR-0003', code: '314159' });
    await sensed(k, 'A03');
    k.clock.advance(3 * 86_400_000 + 1);
    k.services.sweep();
    const s = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
    const r = await k.call('collectionOpen', { sessionId: s.value.sessionId, parcelId: 'p_crash00003' });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    await waitOp(k, r.value.operationId, ['opened'], SLOW);
    k.sim.removeItem('A03');
    k.sim.closeDoor('A03');
    await waitOp(k, r.value.operationId, ['closed'], SLOW);
  } else if (flow === 'maintenance') {
    depositParcel(k, 'A04', { id: 'p_crash00004', barcode: 'CR-0004', code: '271828', size: 'M' });
    await sensed(k, 'A04');
    const s = await k.call('authPin', { pin: '246810' });
    const r = await k.call('maintenanceOpenDoor', { sessionId: s.value.sessionId, compartmentId: 'A04', reason: 'check the latch' });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    await waitOp(k, r.value.operationId, ['opened'], SLOW);
    k.sim.closeDoor('A04');
    await waitOp(k, r.value.operationId, ['closed'], SLOW);
  } else {
    expectParcel(k, { id: 'p_crash00002', barcode: 'CR-0002', code: '135791', size: 'M' });
    const s = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
    const r = await k.call('dropoffScan', { sessionId: s.value.sessionId, barcode: 'CR-0002' });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const id = r.value.where.compartmentId;
    await waitOp(k, r.value.operationId, ['opened'], SLOW);
    k.sim.putItem(id);
    k.sim.closeDoor(id);
    await waitOp(k, r.value.operationId, ['closed'], SLOW);
  }
  await new Promise((r) => setTimeout(r, 50));
  process.stderr.write(`never reached ${at}\n`);
  process.exit(3);
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n');
  process.exit(4);
});
