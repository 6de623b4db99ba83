import { describe, expect, it } from 'vitest';
import { createActor, createMachine, SimulatedClock } from 'xstate';
import { appMachine } from '../../src-renderer/flows/app.machine';
import { pickupMachine } from '../../src-renderer/flows/pickup.machine';
import { sendMachine } from '../../src-renderer/flows/send.machine';
import { apiError, fake, flush, op, where } from './helpers';

/** "Send or return a parcel" (ADR drop-offs), headless with fakes for the kiosk calls. */
const started = (confirmNeeded = false) => ({ operationId: 'op-00000001', where: where('A03'), confirmNeeded, fitToken: 'F'.repeat(22) });
const sendOp = (over: Parameters<typeof op>[0] = {}) => op({ purpose: 'send', compartmentId: 'A03', ...over });

function start(o: { submit?: Parameters<typeof fake>[0]; doesntFit?: Parameters<typeof fake>[0]; confirm?: Parameters<typeof fake>[0]; initialCode?: string } = {}) {
  const submit = fake((o.submit as never) ?? (() => started()));
  const doesntFit = fake((o.doesntFit as never) ?? (() => ({ operationId: 'op-00000002', where: { ...where('B01'), size: 'L' }, confirmNeeded: false })));
  const confirm = fake((o.confirm as never) ?? ((i: { inside: boolean }) => sendOp({ state: 'closed', outcome: i.inside ? 'completed' : 'empty_on_close', reference: i.inside ? 'R-ABC234' : null })));
  const mode = fake(() => ({ checkRequired: false }));
  const machine = sendMachine.provide({
    actors: { submitCode: submit.actor, doesntFit: doesntFit.actor, confirm: confirm.actor, keypadMode: mode.actor },
    actions: { reportDoorOpened: () => undefined, reportDoorClosed: () => undefined },
  });
  const actor = createActor(machine, { clock: new SimulatedClock(), input: { initialCode: o.initialCode ?? null } }).start();
  const type = (code: string) => [...code].forEach((digit) => actor.send({ type: 'DIGIT', digit }));
  return { actor, submit, doesntFit, confirm, type };
}

describe('send machine', () => {
  it('code → "Opening…" → open → closed on the parcel → the receipt, which is the operation’s reference', async () => {
    const { actor, submit, type } = start();
    type('123456');
    actor.send({ type: 'SUBMIT' });
    await flush();
    expect(submit.calls).toEqual([{ code: '123456', source: 'keypad' }]);
    expect(actor.getSnapshot().matches({ door: 'opening' })).toBe(true);
    actor.send({ type: 'OPERATION', op: sendOp({ operationId: 'op-00000001', state: 'opened' }) });
    expect(actor.getSnapshot().matches({ door: 'open' })).toBe(true);
    actor.send({ type: 'OPERATION', op: sendOp({ operationId: 'op-00000001', state: 'closed', outcome: 'completed', reference: 'R-ABC234' }) });
    expect(actor.getSnapshot().matches('receipt')).toBe(true);
    expect(actor.getSnapshot().context.op?.reference).toBe('R-ABC234');
    actor.send({ type: 'FINISH' });
    expect(actor.getSnapshot().output).toEqual({ completed: true, switchTo: null });
  });

  it('"Doesn’t fit" → the next size up; no larger one → says so and ends nothing else', async () => {
    const { actor, doesntFit, type } = start({ doesntFit: (_i: unknown, call: number) => (call === 1 ? { operationId: 'op-00000002', where: where('B01'), confirmNeeded: false } : apiError('NO_COMPARTMENT', { reason: 'does_not_fit' })) });
    type('123456');
    actor.send({ type: 'SUBMIT' });
    await flush();
    actor.send({ type: 'DOESNT_FIT' });
    await flush();
    expect(doesntFit.calls).toEqual([{ operationId: 'op-00000001', token: 'F'.repeat(22) }]);
    expect(actor.getSnapshot().context.started?.where.compartmentId).toBe('B01');
    actor.send({ type: 'DOESNT_FIT' });
    await flush();
    expect(actor.getSnapshot().matches('noBigger')).toBe(true);
    expect(actor.getSnapshot().context.error?.code).toBe('NO_COMPARTMENT');
  });

  it('a door shut with nothing sensed: "no parcel detected", the code can be entered again', async () => {
    const { actor, type } = start();
    type('123456');
    actor.send({ type: 'SUBMIT' });
    await flush();
    actor.send({ type: 'OPERATION', op: sendOp({ state: 'closed', outcome: 'empty_on_close' }) });
    expect(actor.getSnapshot().matches('empty')).toBe(true);
    actor.send({ type: 'NEXT_CODE' });
    expect(actor.getSnapshot().matches('entering')).toBe(true);
  });

  it('without item sensors: "I put it in" before the close; a close without it asks, and the answer decides', async () => {
    const { actor, confirm, type } = start({ submit: () => started(true) });
    type('123456');
    actor.send({ type: 'SUBMIT' });
    await flush();
    actor.send({ type: 'OPERATION', op: sendOp({ state: 'opened' }) });
    actor.send({ type: 'PUT_IN' });
    await flush();
    expect(confirm.calls).toEqual([{ operationId: 'op-00000001', inside: true }]);
    expect(actor.getSnapshot().context.confirmed).toBe(true);
    actor.send({ type: 'PUT_IN' }); // once is enough
    await flush();
    expect(confirm.calls).toHaveLength(1);

    const second = start({ submit: () => started(true) });
    second.type('654321');
    second.actor.send({ type: 'SUBMIT' });
    await flush();
    second.actor.send({ type: 'OPERATION', op: sendOp({ state: 'closed', outcome: 'empty_on_close' }) });
    expect(second.actor.getSnapshot().matches('asking')).toBe(true);
    second.actor.send({ type: 'INSIDE', inside: false });
    await flush();
    expect(second.confirm.calls).toEqual([{ operationId: 'op-00000001', inside: false }]);
    expect(second.actor.getSnapshot().matches('empty')).toBe(true);
    expect(second.actor.getSnapshot().context.declined).toBe(true);
  });

  it('a pickup code ends the flow with the entry handed to the pickup flow; a wrong code stays on the keypad', async () => {
    const wrong = start({ submit: () => apiError('CODE_INVALID') });
    wrong.type('000000');
    wrong.actor.send({ type: 'SUBMIT' });
    await flush();
    expect(wrong.actor.getSnapshot().matches('entering')).toBe(true);
    expect(wrong.actor.getSnapshot().context.error?.code).toBe('CODE_INVALID');

    const { actor, type } = start({ submit: () => apiError('PICKUP_CODE', { flow: 'pickup' }) });
    type('111111');
    actor.send({ type: 'SUBMIT' });
    await flush();
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toEqual({ completed: false, switchTo: { flow: 'pickup', code: '111111' } });
  });
});

describe('the app carries a code to the flow it belongs to', () => {
  it('home → "Send or return" with a pickup code → the pickup flow opens that parcel; and the other way round', async () => {
    const pickupSubmit = fake((i: { code: string }) => (i.code === '222222' ? apiError('SEND_CODE', { flow: 'send' }) : { operationId: 'op-00000009', where: where('A09') }));
    const sendSubmit = fake((i: { code: string }) => (i.code === '111111' ? apiError('PICKUP_CODE', { flow: 'pickup' }) : started()));
    const quiet = { reportDoorOpened: () => undefined, reportDoorClosed: () => undefined };
    const machine = appMachine.provide({
      actors: {
        pickupFlow: pickupMachine.provide({ actors: { submitCode: pickupSubmit.actor, keypadMode: fake(() => ({ checkRequired: false })).actor } }),
        sendFlow: sendMachine.provide({ actors: { submitCode: sendSubmit.actor, keypadMode: fake(() => ({ checkRequired: false })).actor } }),
        followInProgress: createMachine({}) as never,
      },
      actions: { ...quiet, visitEnded: () => undefined },
    });
    const app = createActor(machine, { clock: new SimulatedClock() }).start();
    app.send({ type: 'TOUCH' });
    app.send({ type: 'START_SEND' });
    const flow = () => app.getSnapshot().children.flow!;
    for (const digit of '111111') flow().send({ type: 'DIGIT', digit });
    flow().send({ type: 'SUBMIT' });
    await flush();
    await flush();
    expect(sendSubmit.calls.map((c) => c.code)).toEqual(['111111']);
    expect(pickupSubmit.calls.map((c) => c.code)).toEqual(['111111']);
    expect(app.getSnapshot().matches({ flow: { screen: 'pickup' } })).toBe(true);

    // A drop-off code typed at "Pick up a parcel" goes to the send flow.
    flow().send({ type: 'OPERATION', op: op({ operationId: 'op-00000009', state: 'closed', outcome: 'completed' }) });
    flow().send({ type: 'NEXT_CODE' });
    for (const digit of '222222') flow().send({ type: 'DIGIT', digit });
    flow().send({ type: 'SUBMIT' });
    await flush();
    await flush();
    expect(app.getSnapshot().matches({ flow: { screen: 'send' } })).toBe(true);
    expect(sendSubmit.calls.map((c) => c.code)).toEqual(['111111', '222222']);
  });
});
