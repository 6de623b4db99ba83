/**
 * Issue 9 §3: the screen says what the board says. The pickup and drop-off flows show "Opening door A01…" until an
 * operation event says `opened`; a jam, a refused unlock or a board that never answered says plainly that the door
 * did not open, with the reference.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { dropoffMachine } from '../../src-renderer/flows/dropoff.machine';
import { faultReference, pickupMachine } from '../../src-renderer/flows/pickup.machine';
import { fake, flush, op, session, where } from './helpers';

async function pickupAtDoor() {
  const machine = pickupMachine.provide({
    actors: {
      submitCode: fake(() => ({ operationId: 'op-00000001', where: where('A01') })).actor,
      reportProblem: fake(() => ({ reference: 'R-42' })).actor,
    },
    actions: { reportDoorOpened: () => undefined, reportDoorClosed: () => undefined },
  });
  const actor = createActor(machine, { input: { initialCode: null } }).start();
  for (const digit of '123456') actor.send({ type: 'DIGIT', digit });
  actor.send({ type: 'SUBMIT' });
  await flush();
  return actor;
}

describe('pickup: "Opening…" until a read says open', () => {
  it('the frame on the wire (requested, unlocked) is not an open door; `opened` is', async () => {
    const actor = await pickupAtDoor();
    expect(actor.getSnapshot().matches({ door: 'opening' })).toBe(true);
    actor.send({ type: 'OPERATION', op: op({ state: 'requested' }) });
    actor.send({ type: 'OPERATION', op: op({ state: 'unlocked' }) });
    expect(actor.getSnapshot().matches({ door: 'opening' })).toBe(true);
    actor.send({ type: 'OPERATION', op: op({ state: 'opened' }) });
    expect(actor.getSnapshot().matches({ door: 'open' })).toBe(true);
    actor.send({ type: 'OPERATION', op: op({ state: 'closed', outcome: 'completed' }) });
    expect(actor.getSnapshot().matches('closed')).toBe(true);
  });

  it('a jam while opening: "did not open" with the reference, never the open-door screen', async () => {
    const actor = await pickupAtDoor();
    actor.send({ type: 'OPERATION', op: op({ state: 'failed', outcome: 'jammed', reference: 'R-JAM234' }) });
    expect(actor.getSnapshot().matches('doorFault')).toBe(true);
    expect(faultReference(actor.getSnapshot().context)).toBe('R-JAM234');
  });

  it('no answer from the board (outcome jammed, still unlocked): the fault screen, marked as unconfirmed', async () => {
    const actor = await pickupAtDoor();
    actor.send({ type: 'OPERATION', op: op({ state: 'unlocked', outcome: 'jammed', reference: 'R-BUS234' }) });
    const s = actor.getSnapshot();
    expect(s.matches('doorFault')).toBe(true);
    expect(s.context.op).toMatchObject({ state: 'unlocked', outcome: 'jammed' });
    expect(faultReference(s.context)).toBe('R-BUS234');
  });

  it('an operation that closes without ever being seen open (finished from the board later) ends the door screen', async () => {
    const actor = await pickupAtDoor();
    actor.send({ type: 'OPERATION', op: op({ state: 'closed', outcome: 'completed' }) });
    expect(actor.getSnapshot().matches('closed')).toBe(true);
  });
});

async function dropoffAtDoor() {
  const didntOpen = fake(() => ({ operationId: 'op-00000003', parcelId: 'p1', barcode: 'PKG-1', where: where('A02') }));
  const machine = dropoffMachine.provide({
    actors: {
      scanParcel: fake(() => ({ operationId: 'op-00000001', parcelId: 'p1', barcode: 'PKG-1', where: where('A01') })).actor,
      doesntFit: fake(() => ({ operationId: 'op-00000002', parcelId: 'p1', barcode: 'PKG-1', where: where('C01') })).actor,
      didntOpen: didntOpen.actor,
      loadSummary: fake(() => ({ delivered: [], keptByDriver: [] })).actor,
    },
    actions: { reportDoorOpened: () => undefined, reportDoorClosed: () => undefined },
  });
  const actor = createActor(machine, { input: { session: session('driver') } }).start();
  await flush();
  actor.send({ type: 'SCAN', text: 'PKG-1' });
  await flush();
  return { actor, didntOpen };
}

describe('drop-off: "Opening…" until a read says open', () => {
  it('opening → open on `opened` only', async () => {
    const { actor } = await dropoffAtDoor();
    expect(actor.getSnapshot().matches({ door: 'opening' })).toBe(true);
    actor.send({ type: 'OPERATION', op: op({ purpose: 'dropoff', state: 'unlocked' }) });
    expect(actor.getSnapshot().matches({ door: 'opening' })).toBe(true);
    actor.send({ type: 'OPERATION', op: op({ purpose: 'dropoff', state: 'opened' }) });
    expect(actor.getSnapshot().matches({ door: 'open' })).toBe(true);
  });

  it('jam or no answer → "did not open"; the driver asks for another door, which again starts at "Opening…"', async () => {
    const { actor, didntOpen } = await dropoffAtDoor();
    actor.send({ type: 'OPERATION', op: op({ purpose: 'dropoff', state: 'unlocked', outcome: 'jammed', reference: 'R-BUS234' }) });
    expect(actor.getSnapshot().matches({ door: 'failed' })).toBe(true);
    expect(actor.getSnapshot().context.op?.reference).toBe('R-BUS234');
    actor.send({ type: 'DIDNT_OPEN' });
    await flush();
    expect(didntOpen.calls).toHaveLength(1);
    expect(actor.getSnapshot().matches({ door: 'opening' })).toBe(true);
    expect(actor.getSnapshot().context.current?.where.compartmentId).toBe('A02');
  });
});
