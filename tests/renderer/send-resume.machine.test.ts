import { describe, expect, it } from 'vitest';
import { createActor, createMachine, SimulatedClock, type ActorRefFrom, type AnyActorRef } from 'xstate';
import type { SendResume } from '../../src-shared/api/send';
import { appMachine } from '../../src-renderer/flows/app.machine';
import { sendMachine } from '../../src-renderer/flows/send.machine';
import { fake, flush, op, where } from './helpers';

/**
 * A page reloaded mid-drop-off (issues 10 and 13), headless: the app hands main's `send` answer to the send flow,
 * which starts at that step with what the step allows, and tells main when its receipt is left.
 */
const TOKEN = 'R'.repeat(22);
const sendOp = (over: Parameters<typeof op>[0] = {}) => op({ purpose: 'send', compartmentId: 'A03', ...over });
const atDoor = (confirmNeeded = false): SendResume => ({
  step: 'door',
  started: { operationId: 'op-00000001', where: where('A03'), confirmNeeded, fitToken: TOKEN },
  op: sendOp({ state: 'opened' }),
  confirmed: false,
});

function resumed(resume: SendResume) {
  const doesntFit = fake(() => ({ operationId: 'op-00000002', where: { ...where('B01'), size: 'L' }, confirmNeeded: false, fitToken: 'N'.repeat(22) }));
  const confirm = fake((i: { inside: boolean }) => sendOp({ state: 'closed', outcome: i.inside ? 'completed' : 'empty_on_close', reference: i.inside ? 'R-ABC234' : null }));
  const forgotten: string[] = [];
  const machine = sendMachine.provide({
    actors: { doesntFit: doesntFit.actor, confirm: confirm.actor, submitCode: fake(() => null).actor, keypadMode: fake(() => ({ checkRequired: false })).actor },
    actions: { reportDoorOpened: () => undefined, reportDoorClosed: () => undefined, 'forget the receipt': ({ context }) => void forgotten.push(context.op!.operationId) },
  });
  const actor = createActor(machine, { clock: new SimulatedClock(), input: { resume } }).start();
  return { actor, doesntFit, confirm, forgotten };
}

describe('the send flow resumed after a reload', () => {
  it('at the open door: "put your parcel in", and "Doesn’t fit" spends the token main gave the reloaded page', async () => {
    const { actor, doesntFit } = resumed(atDoor());
    expect(actor.getSnapshot().matches({ door: 'open' })).toBe(true);
    actor.send({ type: 'DOESNT_FIT' });
    await flush();
    expect(doesntFit.calls).toEqual([{ operationId: 'op-00000001', token: TOKEN }]);
    expect(actor.getSnapshot().context.started?.where.compartmentId).toBe('B01');
  });

  it('at the question: the answer goes to the closed operation, and a "yes" shows its receipt', async () => {
    const { actor, confirm } = resumed({ step: 'asking', op: sendOp({ state: 'closed', outcome: 'empty_on_close' }) });
    expect(actor.getSnapshot().matches('asking')).toBe(true);
    actor.send({ type: 'INSIDE', inside: true });
    await flush();
    expect(confirm.calls).toEqual([{ operationId: 'op-00000001', inside: true }]);
    expect(actor.getSnapshot().matches('receipt')).toBe(true);
    expect(actor.getSnapshot().context.op?.reference).toBe('R-ABC234');
  });

  it('at the receipt: its reference; "Done" ends the visit (a parcel went in) and tells main to forget it', () => {
    const { actor, forgotten } = resumed({ step: 'receipt', op: sendOp({ state: 'closed', outcome: 'completed', reference: 'R-XYZ789' }) });
    expect(actor.getSnapshot().matches('receipt')).toBe(true);
    expect(actor.getSnapshot().context.op?.reference).toBe('R-XYZ789');
    actor.send({ type: 'FINISH' });
    expect(actor.getSnapshot().output).toEqual({ completed: true, switchTo: null });
    expect(forgotten).toEqual(['op-00000001']);
  });

  it('"I have another code" from a receipt also forgets it, and the keypad is fresh', () => {
    const { actor, forgotten } = resumed({ step: 'receipt', op: sendOp({ state: 'closed', outcome: 'completed', reference: 'R-XYZ789' }) });
    actor.send({ type: 'NEXT_CODE' });
    expect(actor.getSnapshot().matches('entering')).toBe(true);
    expect(forgotten).toEqual(['op-00000001']);
  });
});

describe('the app on a page load', () => {
  /** The send flow the app is running (its `flow` child). */
  const sendFlow = (a: AnyActorRef) => a.getSnapshot().children.flow as ActorRefFrom<typeof sendMachine>;
  function app() {
    const machine = appMachine.provide({
      actors: {
        sendFlow: sendMachine.provide({ actors: { keypadMode: fake(() => ({ checkRequired: false })).actor } }),
        followInProgress: createMachine({}) as never,
      },
      actions: { visitEnded: () => undefined },
    });
    return createActor(machine, { clock: new SimulatedClock() }).start();
  }

  it('a drop-off to resume starts the send flow at its step, before any bare "please close door A03"', () => {
    const a = app();
    a.send({ type: 'IN_PROGRESS', operations: [{ purpose: 'send', compartmentId: 'A03', state: 'opened' }], send: atDoor() });
    expect(a.getSnapshot().matches({ flow: { screen: 'send' } })).toBe(true);
    expect(sendFlow(a).getSnapshot().matches({ door: 'open' })).toBe(true);
  });

  it('without one, an open door is the resume screen as before; and "Send or return" later starts fresh', () => {
    const a = app();
    a.send({ type: 'IN_PROGRESS', operations: [{ purpose: 'send', compartmentId: 'A03', state: 'opened' }], send: null });
    expect(a.getSnapshot().matches('resume')).toBe(true);
    const b = app();
    b.send({ type: 'IN_PROGRESS', operations: [], send: { step: 'receipt', op: sendOp({ state: 'closed', outcome: 'completed', reference: 'R-XYZ789' }) } });
    sendFlow(b).send({ type: 'FINISH' });
    expect(b.getSnapshot().matches('attract')).toBe(true);
    b.send({ type: 'TOUCH' });
    b.send({ type: 'START_SEND' });
    expect(sendFlow(b).getSnapshot().matches('entering')).toBe(true);
  });
});
