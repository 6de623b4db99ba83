import { assign, sendParent, setup } from 'xstate';
import type { DoorOperation } from '../../src-shared/api/common';
import type { SendResume } from '../../src-shared/api/send';
import type { ApiError } from '../../src-shared/errors';
import { parsePickupQr, qrTokenOf } from '../input/scanner';
import { asApiError, notProvided, watchOperationPlaceholder, type OperationEvent } from './common';
import { CHECK_LENGTH, CODE_LENGTH, type Where } from './pickup.machine';

export type SendStarted = { operationId: string; where: Where; confirmNeeded: boolean; fitToken: string };

export interface SendContext {
  /** Six digits typed, or a scanned QR (`LK2:<token>`). */
  code: string;
  check: string;
  checkRequired: boolean;
  source: 'keypad' | 'scan';
  error: ApiError | null;
  started: SendStarted | null;
  op: DoorOperation | null;
  /** The sender said "I put it in" (boards without item sensors). */
  confirmed: boolean;
  /** "No, it is not inside" after a close without the confirmation: nothing was dropped off. */
  declined: boolean;
  /** The code turned out to be a pickup code: the app machine continues with the pickup flow and this entry. */
  switchTo: { flow: 'pickup'; code: string } | null;
  /** How many parcels this person dropped off this visit. */
  sent: number;
  /** The step a reloaded page picked this visit up at (main's sendResume), or null for a visit started here. */
  resumedAt: SendResume['step'] | null;
}

export type SendEvent =
  | { type: 'DIGIT'; digit: string }
  | { type: 'BACKSPACE' }
  | { type: 'CLEAR' }
  | { type: 'SUBMIT' }
  | { type: 'SCAN'; text: string }
  | OperationEvent
  | { type: 'DOESNT_FIT' }
  | { type: 'PUT_IN' }
  | { type: 'INSIDE'; inside: boolean }
  | { type: 'NEXT_CODE' }
  | { type: 'FINISH' };

/** `completed` once a parcel went in (the visit then ends at attract); `switchTo` hands the entry to the pickup flow. */
export type SendOutput = { completed: boolean; switchTo: { flow: 'pickup'; code: string } | null };

const freshEntry = { code: '', check: '', error: null, confirmed: false, declined: false } as const;

/**
 * What a visit resumed after a reload starts with (issues 10 and 13): the operation main says this screen was on. At
 * the door the answer carries a fresh "doesn't fit" token; past the door only the operation (its door, its receipt).
 */
function resumedContext(resume: SendResume | null | undefined): Pick<SendContext, 'started' | 'op' | 'confirmed' | 'sent' | 'resumedAt'> {
  if (!resume) return { started: null, op: null, confirmed: false, sent: 0, resumedAt: null };
  const base = { started: null, op: resume.op, confirmed: false, resumedAt: resume.step };
  if (resume.step === 'door') return { ...base, started: resume.started, confirmed: resume.confirmed, sent: 0 };
  // A receipt is a parcel dropped off this visit: "Done" then ends the visit, as it does before a reload.
  return { ...base, sent: resume.step === 'receipt' ? 1 : 0 };
}

const errorOf = (e: unknown) => asApiError(e);
const codeOf = (e: unknown) => errorOf(e).code;

function typed(ctx: SendContext, digit: string): Pick<SendContext, 'code' | 'check'> {
  if (ctx.code.length < CODE_LENGTH) return { code: ctx.code + digit, check: ctx.check };
  return { code: ctx.code, check: ctx.checkRequired && ctx.check.length < CHECK_LENGTH ? ctx.check + digit : ctx.check };
}

/**
 * A sender's visit, "Send or return a parcel" (ADR drop-offs): code (keypad or QR) → "Opening door A03…" → "put your
 * parcel in and close the door" (with "Doesn't fit" → the next size up, and on boards without item sensors "I put it
 * in") → closed on the parcel → the receipt. The same keypad rules as pickups (hardened: code + check code). A code that
 * turns out to be a pickup code ends this flow with `switchTo` so the app continues as a pickup with it; the core said
 * which flow it belongs to, the person types nothing twice. A page reloaded mid-visit starts at the step main reports
 * (`input.resume`: the open door with "Doesn't fit", the question, or the receipt). Side effects are the injected actors.
 */
export const sendMachine = setup({
  types: {} as { context: SendContext; events: SendEvent; input: { initialCode?: string | null; resume?: SendResume | null }; output: SendOutput },
  actors: {
    submitCode: notProvided<SendStarted, { code: string; check?: string; source: 'keypad' | 'scan' }>('submitCode'),
    keypadMode: notProvided<{ checkRequired: boolean }, Record<string, never>>('keypadMode'),
    doesntFit: notProvided<SendStarted, { operationId: string; token: string }>('doesntFit'),
    confirm: notProvided<DoorOperation, { operationId: string; inside: boolean }>('confirm'),
    watchOperation: watchOperationPlaceholder,
  },
  actions: {
    reportDoorOpened: sendParent({ type: 'DOOR_OPENED' }),
    reportDoorClosed: sendParent({ type: 'DOOR_CLOSED' }),
    /** Provided by the UI: tells main the receipt was left, so no reload shows it again (sendDismiss). */
    'forget the receipt': () => undefined,
  },
  guards: {
    'code complete': ({ context }) =>
      qrTokenOf(context.code) !== null || (context.code.length === CODE_LENGTH && (!context.checkRequired || context.check.length === CHECK_LENGTH)),
    'is a digit': ({ event }) => event.type === 'DIGIT' && /^[0-9]$/.test(event.digit),
    'scan is a code': ({ event }) => event.type === 'SCAN' && parsePickupQr(event.text) !== null,
    'door opened': ({ event }) => event.type === 'OPERATION' && event.op.state === 'opened',
    'closed on the parcel': ({ event }) => event.type === 'OPERATION' && event.op.state === 'closed' && event.op.outcome === 'completed',
    'closed, nothing sensed': ({ event }) => event.type === 'OPERATION' && event.op.state === 'closed' && event.op.outcome === 'empty_on_close',
    'closed unconfirmed': ({ context, event }) =>
      event.type === 'OPERATION' && event.op.state === 'closed' && event.op.outcome === 'empty_on_close' && context.started?.confirmNeeded === true,
    'door closed': ({ event }) => event.type === 'OPERATION' && event.op.state === 'closed',
    'door failed': ({ event }) => event.type === 'OPERATION' && (event.op.state === 'failed' || event.op.outcome === 'jammed'),
    'needs confirmation': ({ context }) => context.started?.confirmNeeded === true && !context.confirmed,
    'door already open': ({ context }) => context.op?.state === 'opened',
    'resumed at the door': ({ context }) => context.resumedAt === 'door',
    'resumed at the question': ({ context }) => context.resumedAt === 'asking',
    'resumed at the receipt': ({ context }) => context.resumedAt === 'receipt',
  },
}).createMachine({
  id: 'send',
  output: ({ context }) => ({ completed: context.sent > 0, switchTo: context.switchTo }),
  context: ({ input }) => ({
    ...freshEntry,
    code: parsePickupQr(input.initialCode ?? '') ?? '',
    checkRequired: false,
    source: input.initialCode ? 'scan' : 'keypad',
    switchTo: null,
    ...resumedContext(input.resume),
  }),
  initial: 'start',
  states: {
    start: {
      always: [
        { guard: 'resumed at the door', target: 'door' },
        { guard: 'resumed at the question', target: 'asking' },
        { guard: 'resumed at the receipt', target: 'receipt' },
        { guard: 'code complete', target: 'submitting' },
        { target: 'entering' },
      ],
    },
    entering: {
      invoke: {
        src: 'keypadMode',
        input: () => ({}),
        onDone: { actions: assign({ checkRequired: ({ context, event }) => context.checkRequired || event.output.checkRequired }) },
        onError: {},
      },
      on: {
        DIGIT: { guard: 'is a digit', actions: assign(({ context, event }) => ({ ...typed(context, event.digit), source: 'keypad' as const })) },
        BACKSPACE: { actions: assign(({ context }) => (context.check ? { check: context.check.slice(0, -1) } : { code: context.code.slice(0, -1) })) },
        CLEAR: { actions: assign({ code: '', check: '' }) },
        SUBMIT: { guard: 'code complete', target: 'submitting', actions: assign({ source: 'keypad' }) },
        SCAN: { guard: 'scan is a code', target: 'submitting', actions: assign({ code: ({ event }) => parsePickupQr(event.text) ?? '', check: '', source: 'scan' }) },
        FINISH: 'done',
      },
    },
    submitting: {
      tags: ['busy'],
      invoke: {
        src: 'submitCode',
        input: ({ context }) => ({ code: context.code, source: context.source, ...(context.checkRequired && context.check ? { check: context.check } : {}) }),
        onDone: { target: 'door', actions: assign({ started: ({ event }) => event.output, op: null, error: null, check: '', confirmed: false, declined: false }) },
        onError: [
          // It is a pickup code: the app carries on as a pickup with it (the core checked it; nothing is retyped).
          { guard: ({ event }) => codeOf(event.error) === 'PICKUP_CODE', target: 'done', actions: assign({ switchTo: ({ context }) => ({ flow: 'pickup' as const, code: context.code }) }) },
          {
            guard: ({ event }) => codeOf(event.error) === 'CHECK_REQUIRED',
            target: 'entering',
            actions: assign({ error: ({ event }) => errorOf(event.error), checkRequired: true, check: '', code: ({ context }) => (qrTokenOf(context.code) ? '' : context.code) }),
          },
          {
            target: 'entering',
            actions: assign({
              error: ({ event }) => errorOf(event.error),
              checkRequired: ({ context, event }) => context.checkRequired || errorOf(event.error).details?.checkRequired === true,
              code: '',
              check: '',
            }),
          },
        ],
      },
    },
    door: {
      tags: ['door-open'],
      entry: 'reportDoorOpened',
      exit: 'reportDoorClosed',
      invoke: { src: 'watchOperation', input: ({ context }) => ({ operationId: context.started!.operationId }) },
      initial: 'opening',
      states: {
        opening: {
          // Resumed with the door already open: straight to "put your parcel in".
          always: { guard: 'door already open', target: 'open' },
          on: { OPERATION: { guard: 'door opened', target: 'open', actions: assign({ op: ({ event }) => event.op }) } },
        },
        open: { on: { PUT_IN: { guard: 'needs confirmation', target: 'confirming' } } },
        confirming: {
          tags: ['busy'],
          invoke: {
            src: 'confirm',
            input: ({ context }) => ({ operationId: context.started!.operationId, inside: true }),
            onDone: { target: 'open', actions: assign({ confirmed: true, error: null }) },
            onError: { target: 'open', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
          },
        },
      },
      on: {
        OPERATION: [
          { guard: 'closed on the parcel', target: 'receipt', actions: assign({ op: ({ event }) => event.op, sent: ({ context }) => context.sent + 1 }) },
          { guard: 'closed unconfirmed', target: 'asking', actions: assign({ op: ({ event }) => event.op }) },
          { guard: 'closed, nothing sensed', target: 'empty', actions: assign({ op: ({ event }) => event.op }) },
          { guard: 'door closed', target: 'entering', actions: assign({ ...freshEntry, op: ({ event }) => event.op }) },
          { guard: 'door failed', target: 'doorFault', actions: assign({ op: ({ event }) => event.op }) },
          { actions: assign({ op: ({ event }) => event.op }) },
        ],
        DOESNT_FIT: 'swapping',
      },
    },
    swapping: {
      tags: ['busy'],
      invoke: {
        src: 'doesntFit',
        input: ({ context }) => ({ operationId: context.started!.operationId, token: context.started!.fitToken }),
        onDone: { target: 'door', actions: assign({ started: ({ event }) => event.output, op: null, error: null, confirmed: false }) },
        onError: { target: 'noBigger', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    // Door closed before "I put it in" on a board without item sensors: only the person knows.
    asking: {
      on: { INSIDE: { target: 'answering' } },
    },
    answering: {
      tags: ['busy'],
      invoke: {
        src: 'confirm',
        // The closed operation (`op`): a visit resumed at this question has no `started`.
        input: ({ context, event }) => ({ operationId: context.op!.operationId, inside: (event as { inside?: boolean }).inside === true }),
        onDone: [
          { guard: ({ event }) => event.output.outcome === 'completed', target: 'receipt', actions: assign({ op: ({ event }) => event.output, sent: ({ context }) => context.sent + 1 }) },
          { target: 'empty', actions: assign({ declined: true }) },
        ],
        onError: { target: 'asking', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    receipt: {
      exit: 'forget the receipt',
      on: { NEXT_CODE: { target: 'entering', actions: assign(freshEntry) }, FINISH: 'done' },
    },
    empty: { on: { NEXT_CODE: { target: 'entering', actions: assign(freshEntry) }, FINISH: 'done' } },
    noBigger: { tags: ['error'], on: { NEXT_CODE: { target: 'entering', actions: assign(freshEntry) }, FINISH: 'done' } },
    doorFault: { tags: ['error'], on: { NEXT_CODE: { target: 'entering', actions: assign(freshEntry) }, FINISH: 'done' } },
    done: { type: 'final' },
  },
});
