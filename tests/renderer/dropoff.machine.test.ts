import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { collectionMachine } from '../../src-renderer/flows/collection.machine';
import { dropoffMachine, type Summary } from '../../src-renderer/flows/dropoff.machine';
import { apiError, fake, flush, op, session, where } from './helpers';

function startDropoff(scan?: Parameters<typeof fake>[0], hangSummaryFrom = Infinity) {
  const summary: Summary = { delivered: [], keptByDriver: [] };
  const scanParcel = fake(scan ?? ((input: { barcode: string }) => ({ operationId: 'op-00000001', parcelId: 'p1', barcode: input.barcode, where: where('A01') })));
  const doesntFit = fake(() => ({ operationId: 'op-00000002', parcelId: 'p1', barcode: 'PKG-1', where: where('C01') }));
  const didntOpen = fake(() => ({ operationId: 'op-00000003', parcelId: 'p1', barcode: 'PKG-1', where: where('A02') }));
  // From call `hangSummaryFrom` on, the list read never answers (a busy machine).
  const loadSummary = fake((_input, call) => (call >= hangSummaryFrom ? new Promise<Summary>(() => {}) : structuredClone(summary)));
  const machine = dropoffMachine.provide({
    actors: { scanParcel: scanParcel.actor, doesntFit: doesntFit.actor, didntOpen: didntOpen.actor, loadSummary: loadSummary.actor },
    actions: { reportDoorOpened: () => undefined, reportDoorClosed: () => undefined },
  });
  const actor = createActor(machine, { input: { session: session('driver') } }).start();
  return { actor, summary, scanParcel, doesntFit, didntOpen, loadSummary };
}

describe('drop-off machine', () => {
  it('scan → door opens → closed → ready for the next, with the running list refreshed', async () => {
    const t = startDropoff();
    await flush();
    expect(t.actor.getSnapshot().matches('ready')).toBe(true);
    t.actor.send({ type: 'SCAN', text: 'PKG-1' });
    await flush();
    expect(t.scanParcel.calls).toEqual([{ sessionId: session().sessionId, barcode: 'PKG-1' }]);
    expect(t.actor.getSnapshot().hasTag('door-open')).toBe(true);
    expect(t.actor.getSnapshot().context.current?.where.compartmentId).toBe('A01');
    t.summary.delivered.push({ barcode: 'PKG-1', compartmentId: 'A01', state: 'closed' });
    t.actor.send({ type: 'OPERATION', op: op({ operationId: 'op-00000001', purpose: 'dropoff', state: 'closed', outcome: 'completed' }) });
    await flush();
    expect(t.actor.getSnapshot().matches('ready')).toBe(true);
    expect(t.actor.getSnapshot().context.summary.delivered).toHaveLength(1);
  });

  it('a scan while the list reloads after a door closed is taken, not dropped (issue 10 §7: a lost scan under load)', async () => {
    const t = startDropoff(undefined, 2);
    await flush();
    t.actor.send({ type: 'SCAN', text: 'PKG-1' });
    await flush();
    // The list read after the close hangs: the machine sits in `loading`, the screen already asking for the next scan.
    t.actor.send({ type: 'OPERATION', op: op({ operationId: 'op-00000001', purpose: 'dropoff', state: 'closed', outcome: 'completed' }) });
    await flush();
    expect(t.actor.getSnapshot().matches('loading')).toBe(true);
    t.actor.send({ type: 'SCAN', text: 'PKG-2' });
    await flush();
    expect(t.scanParcel.calls.map((c) => c.barcode)).toEqual(['PKG-1', 'PKG-2']);
    expect(t.actor.getSnapshot().hasTag('door-open')).toBe(true);
  });

  it("doesn't fit → a larger compartment opens; door didn't open → another one", async () => {
    const t = startDropoff();
    await flush();
    t.actor.send({ type: 'SCAN', text: 'PKG-1' });
    await flush();
    t.actor.send({ type: 'DOESNT_FIT' });
    expect(t.actor.getSnapshot().hasTag('busy')).toBe(true);
    await flush();
    expect(t.doesntFit.calls).toEqual([{ sessionId: session().sessionId, operationId: 'op-00000001' }]);
    expect(t.actor.getSnapshot().context.current?.where.compartmentId).toBe('C01');
    t.actor.send({ type: 'DIDNT_OPEN' });
    await flush();
    expect(t.didntOpen.calls[0]?.operationId).toBe('op-00000002');
    expect(t.actor.getSnapshot().context.current?.where.compartmentId).toBe('A02');
  });

  it('a scan while a door is open asks to close it first and opens nothing', async () => {
    const t = startDropoff();
    await flush();
    t.actor.send({ type: 'SCAN', text: 'PKG-1' });
    await flush();
    t.actor.send({ type: 'SCAN', text: 'PKG-2' });
    expect(t.scanParcel.calls).toHaveLength(1);
    expect(t.actor.getSnapshot().context.notice).toEqual({ kind: 'closeFirst', door: 'A01' });
  });

  it('an unknown parcel is an error on the ready screen; a door closed empty is a notice', async () => {
    const t = startDropoff(() => apiError('UNKNOWN_PARCEL'));
    await flush();
    t.actor.send({ type: 'SCAN', text: 'NOPE-1' });
    await flush();
    expect(t.actor.getSnapshot().matches('ready')).toBe(true);
    expect(t.actor.getSnapshot().context.error?.code).toBe('UNKNOWN_PARCEL');

    const u = startDropoff();
    await flush();
    u.actor.send({ type: 'SCAN', text: 'PKG-1' });
    await flush();
    u.actor.send({ type: 'OPERATION', op: op({ purpose: 'dropoff', state: 'closed', outcome: 'empty_on_close', compartmentId: 'A01' }) });
    await flush();
    expect(u.actor.getSnapshot().context.notice).toEqual({ kind: 'emptyOnClose', door: 'A01' });
  });

  it('Done and Collect end with the right output', async () => {
    const t = startDropoff();
    await flush();
    t.actor.send({ type: 'COLLECT' });
    expect(t.actor.getSnapshot().output).toEqual({ next: 'collection' });
    const u = startDropoff();
    await flush();
    u.actor.send({ type: 'DONE' });
    expect(u.actor.getSnapshot().output).toEqual({ next: 'end' });
  });
});

describe('collection machine', () => {
  it('lists expired parcels, opens one, and reloads the list when its door closes', async () => {
    const parcels = [{ parcelId: 'x1', barcode: 'OLD-1', compartmentId: 'B02', expiredAt: '2024-01-01T00:00:00Z' }];
    const loadExpired = fake(() => ({ parcels: structuredClone(parcels) }));
    const openForCollection = fake(() => ({ operationId: 'op-00000009', where: where('B02') }));
    const actor = createActor(
      collectionMachine.provide({
        actors: { loadExpired: loadExpired.actor, openForCollection: openForCollection.actor },
        actions: { reportDoorOpened: () => undefined, reportDoorClosed: () => undefined },
      }),
      { input: { session: session('driver') } },
    ).start();
    await flush();
    expect(actor.getSnapshot().context.parcels).toHaveLength(1);
    actor.send({ type: 'OPEN', parcelId: 'x1' });
    await flush();
    expect(actor.getSnapshot().hasTag('door-open')).toBe(true);
    expect(actor.getSnapshot().context.current?.parcel.barcode).toBe('OLD-1');
    parcels.length = 0;
    actor.send({ type: 'OPERATION', op: op({ operationId: 'op-00000009', purpose: 'collection', state: 'closed', outcome: 'completed' }) });
    await flush();
    expect(actor.getSnapshot().matches('list')).toBe(true);
    expect(actor.getSnapshot().context.parcels).toHaveLength(0);
    actor.send({ type: 'BACK' });
    expect(actor.getSnapshot().status).toBe('done');
  });
});
