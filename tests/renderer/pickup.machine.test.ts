import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { pickupMachine } from '../../src-renderer/flows/pickup.machine';
import { apiError, fake, flush, op, where } from './helpers';

const started = () => ({ operationId: 'op-00000001', where: where() });

function start(opts: { submit?: Parameters<typeof fake>[0]; initialCode?: string; checkRequired?: boolean } = {}) {
  const submit = fake((opts.submit as never) ?? started);
  const report = fake(() => ({ reference: 'R-42' }));
  const mode = fake(() => ({ checkRequired: opts.checkRequired ?? false }));
  const clock = new SimulatedClock();
  const machine = pickupMachine.provide({
    actors: { submitCode: submit.actor, reportProblem: report.actor, keypadMode: mode.actor },
    // Standalone there is no parent to tell about doors; the app test covers that wiring.
    actions: { reportDoorOpened: () => undefined, reportDoorClosed: () => undefined },
  });
  const actor = createActor(machine, { clock, input: { initialCode: opts.initialCode ?? null } }).start();
  const type = (code: string) => [...code].forEach((digit) => actor.send({ type: 'DIGIT', digit }));
  return { actor, clock, submit, report, type };
}

describe('pickup machine', () => {
  it('keeps at most six digits, supports backspace and clear, and submits only a complete code', async () => {
    const { actor, submit, type } = start();
    type('1234567');
    expect(actor.getSnapshot().context.code).toBe('123456');
    actor.send({ type: 'BACKSPACE' });
    actor.send({ type: 'SUBMIT' });
    await flush();
    expect(submit.calls).toHaveLength(0);
    actor.send({ type: 'CLEAR' });
    expect(actor.getSnapshot().context.code).toBe('');
    type('654321');
    actor.send({ type: 'SUBMIT' });
    expect(actor.getSnapshot().hasTag('busy')).toBe(true);
    await flush();
    expect(submit.calls).toEqual([{ code: '654321', source: 'keypad' }]);
    expect(actor.getSnapshot().matches('door')).toBe(true);
    expect(actor.getSnapshot().hasTag('door-open')).toBe(true);
  });

  it('door closed → "Door closed too soon?" opens nothing: it leads back to code entry for the same door; the code reopens it', async () => {
    const { actor, clock, submit, type } = start();
    type('111111');
    actor.send({ type: 'SUBMIT' });
    await flush();
    const graceUntil = new Date(Date.now() + 60_000).toISOString();
    actor.send({ type: 'OPERATION', op: op({ state: 'closed', outcome: 'completed', graceUntil }) });
    expect(actor.getSnapshot().matches('closed')).toBe(true);
    expect(actor.getSnapshot().context.collected).toBe(1);
    clock.increment(5_000);
    actor.send({ type: 'REENTER' });
    await flush();
    // No call went to main: only the code (or the QR) opens a door.
    expect(submit.calls).toHaveLength(1);
    const s = actor.getSnapshot();
    expect(s.matches('entering')).toBe(true);
    expect(s.context).toMatchObject({ code: '', reenterDoor: 'A07', error: null });
    type('111111');
    actor.send({ type: 'SUBMIT' });
    await flush();
    expect(submit.calls).toEqual([
      { code: '111111', source: 'keypad' },
      { code: '111111', source: 'keypad' },
    ]);
    expect(actor.getSnapshot().matches('door')).toBe(true);
    expect(actor.getSnapshot().context.reenterDoor).toBeNull();
  });

  it('a new visit never inherits a door: a fresh machine has nothing to reopen, and the next code starts clean', async () => {
    const { actor, type } = start();
    expect(actor.getSnapshot().context.started).toBeNull();
    actor.send({ type: 'REENTER' });
    expect(actor.getSnapshot().matches('entering')).toBe(true);
    expect(actor.getSnapshot().context.reenterDoor).toBeNull();
    type('111111');
    actor.send({ type: 'SUBMIT' });
    await flush();
    actor.send({ type: 'OPERATION', op: op({ state: 'closed', outcome: 'completed', graceUntil: new Date(Date.now() + 30_000).toISOString() }) });
    actor.send({ type: 'NEXT_CODE' });
    expect(actor.getSnapshot().context).toMatchObject({ code: '', reenterDoor: null });
    expect(actor.getSnapshot().context.collected).toBe(1);
  });

  it('a wrong code stays on the keypad with an empty code', async () => {
    const { actor, type } = start({ submit: () => apiError('CODE_INVALID') });
    type('999999');
    actor.send({ type: 'SUBMIT' });
    await flush();
    const s = actor.getSnapshot();
    expect(s.matches('entering')).toBe(true);
    expect(s.context.error?.code).toBe('CODE_INVALID');
    expect(s.context.code).toBe('');
  });

  it('an expired code is an error on the keypad, not a door', async () => {
    const { actor, type } = start({ submit: () => apiError('CODE_EXPIRED') });
    type('999999');
    actor.send({ type: 'SUBMIT' });
    await flush();
    expect(actor.getSnapshot().matches('entering')).toBe(true);
    expect(actor.getSnapshot().context.error?.code).toBe('CODE_EXPIRED');
  });

  it('a hardened keypad shows the check-code field from the start and sends code + check', async () => {
    const { actor, submit, type } = start({ checkRequired: true });
    await flush();
    expect(actor.getSnapshot().context.checkRequired).toBe(true);
    type('123456');
    actor.send({ type: 'SUBMIT' }); // the check code is missing: nothing sent
    await flush();
    expect(submit.calls).toHaveLength(0);
    type('98765');
    expect(actor.getSnapshot().context).toMatchObject({ code: '123456', check: '9876' });
    actor.send({ type: 'BACKSPACE' });
    expect(actor.getSnapshot().context.check).toBe('987');
    type('5');
    actor.send({ type: 'SUBMIT' });
    await flush();
    expect(submit.calls).toEqual([{ code: '123456', check: '9875', source: 'keypad' }]);
    expect(actor.getSnapshot().matches('door')).toBe(true);
  });

  it('CHECK_REQUIRED (the keypad hardened meanwhile) keeps the code and asks for the check code; never a lockout screen', async () => {
    const { actor, type } = start({ submit: () => apiError('CHECK_REQUIRED', { checkRequired: true }) });
    await flush();
    type('123456');
    actor.send({ type: 'SUBMIT' });
    await flush();
    expect(actor.getSnapshot().matches('entering')).toBe(true);
    expect(actor.getSnapshot().context).toMatchObject({ code: '123456', check: '', checkRequired: true });
  });

  it('an LK2 QR scan is submitted as is (the QR call, outside the keypad budget)', async () => {
    const { actor, submit } = start();
    actor.send({ type: 'SCAN', text: 'LK2:AbCdEfGhIjKlMnOpQrStUv' });
    await flush();
    expect(submit.calls).toEqual([{ code: 'LK2:AbCdEfGhIjKlMnOpQrStUv', source: 'scan' }]);
  });

  it('a door fault shows the reference and allows a report', async () => {
    const { actor, report, type } = start({ submit: () => apiError('DOOR_FAULT', { reference: 'F-7' }) });
    type('123123');
    actor.send({ type: 'SUBMIT' });
    await flush();
    expect(actor.getSnapshot().matches('doorFault')).toBe(true);
    expect(actor.getSnapshot().context.error?.details?.reference).toBe('F-7');
    actor.send({ type: 'REPORT' });
    actor.send({ type: 'REPORT_KIND', kind: 'door_problem' });
    await flush();
    expect(report.calls[0]?.kind).toBe('door_problem');
    expect(actor.getSnapshot().matches({ reporting: 'sent' })).toBe(true);
    expect(actor.getSnapshot().context.reportReference).toBe('R-42');
  });

  it('a door that never opens (failed / jammed operation) becomes a door fault with the operation reference', async () => {
    const { actor, type } = start();
    type('123123');
    actor.send({ type: 'SUBMIT' });
    await flush();
    actor.send({ type: 'OPERATION', op: op({ state: 'failed', outcome: 'jammed', reference: 'J-1' }) });
    expect(actor.getSnapshot().matches('doorFault')).toBe(true);
    expect(actor.getSnapshot().context.error?.details?.reference).toBe('J-1');
  });

  it('accepts a scanned QR, bare or LK1-prefixed, and ignores other scans', async () => {
    const { actor, submit } = start();
    actor.send({ type: 'SCAN', text: 'not-a-code' });
    expect(actor.getSnapshot().matches('entering')).toBe(true);
    actor.send({ type: 'SCAN', text: 'LK1:246810' });
    await flush();
    expect(submit.calls).toEqual([{ code: '246810', source: 'scan' }]);
  });

  it('starts checking at once when a QR was scanned on the home screen', async () => {
    const { submit } = start({ initialCode: '135790' });
    await flush();
    expect(submit.calls).toEqual([{ code: '135790', source: 'scan' }]);
  });

  it('report from a closed door, cancel returns to the closed screen', async () => {
    const { actor, type } = start();
    type('111111');
    actor.send({ type: 'SUBMIT' });
    await flush();
    actor.send({ type: 'OPERATION', op: op({ state: 'closed', outcome: 'completed' }) });
    actor.send({ type: 'REPORT' });
    actor.send({ type: 'CANCEL' });
    expect(actor.getSnapshot().matches('closed')).toBe(true);
    actor.send({ type: 'FINISH' });
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('tells the app whether the visit is over: Back before any door opened is not, a finished pickup is', async () => {
    const backOut = start();
    backOut.type('12');
    backOut.actor.send({ type: 'FINISH' });
    expect(backOut.actor.getSnapshot().output).toEqual({ completed: false });

    const opened = start({ initialCode: 'LK1:123456' });
    await flush();
    expect(opened.actor.getSnapshot().matches('door')).toBe(true);
    opened.actor.send({ type: 'OPERATION', op: op({ state: 'closed', outcome: 'completed' }) });
    opened.actor.send({ type: 'FINISH' });
    expect(opened.actor.getSnapshot().output).toEqual({ completed: true });
  });
});
