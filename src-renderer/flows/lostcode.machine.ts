import { assign, setup } from 'xstate';
import type { ApiError } from '../../src-shared/errors';
import { asApiError, notProvided } from './common';

/** E.164 allows at most 15 digits after the `+`; fewer than 7 is no phone number anywhere. */
export const PHONE_MIN_DIGITS = 7;
export const PHONE_MAX_DIGITS = 15;

export interface LostCodeContext {
  /** The digits typed after the fixed `+` (country code first). Never sent anywhere but to `requestCode`. */
  digits: string;
  error: ApiError | null;
  /** The server heard the request (sent or limited): the visit is over. */
  asked: boolean;
}

export type LostCodeEvent = { type: 'DIGIT'; digit: string } | { type: 'BACKSPACE' } | { type: 'CLEAR' } | { type: 'SUBMIT' } | { type: 'RETRY' } | { type: 'FINISH' };

/** `completed`: a request reached the server, so the visit is over (attract next, the number forgotten). */
export type LostCodeOutput = { completed: boolean };

/**
 * "I lost my code" (issue 13, ADR customer-self-service): the number the parcel was sent to → ask the fleet server →
 * one answer whatever it found (`sent`: "if a parcel for this number waits here, a new code is on its way"; `unconfirmed`:
 * no answer in time, "a new code may still come"), or
 * `limited` (too many requests: try later) or `offline` (cannot ask now: try later). The number lives only in this
 * machine's context, which ends with the flow; nothing here shows whether a parcel exists.
 */
export const lostCodeMachine = setup({
  types: {} as { context: LostCodeContext; events: LostCodeEvent; output: LostCodeOutput },
  actors: {
    requestCode: notProvided<{ accepted: true; confirmed: boolean }, { phone: string }>('requestCode'),
  },
  guards: {
    'is a digit': ({ context, event }) =>
      event.type === 'DIGIT' && /^[0-9]$/.test(event.digit) && context.digits.length < PHONE_MAX_DIGITS && !(context.digits === '' && event.digit === '0'),
    'number complete': ({ context }) => context.digits.length >= PHONE_MIN_DIGITS,
    'not confirmed': ({ event }) => (event as { output?: { confirmed?: boolean } }).output?.confirmed === false,
    'limited': ({ event }) => asApiError((event as { error?: unknown }).error).code === 'RATE_LIMITED',
    'cannot ask now': ({ event }) => ['SERVER_UNREACHABLE', 'NOT_AVAILABLE', 'INTERNAL'].includes(asApiError((event as { error?: unknown }).error).code),
  },
}).createMachine({
  id: 'lostCode',
  context: { digits: '', error: null, asked: false },
  output: ({ context }) => ({ completed: context.asked }),
  initial: 'entering',
  states: {
    entering: {
      on: {
        DIGIT: { guard: 'is a digit', actions: assign({ digits: ({ context, event }) => context.digits + event.digit, error: null }) },
        BACKSPACE: { actions: assign({ digits: ({ context }) => context.digits.slice(0, -1) }) },
        CLEAR: { actions: assign({ digits: '' }) },
        SUBMIT: { guard: 'number complete', target: 'sending' },
        FINISH: 'done',
      },
    },
    sending: {
      tags: ['busy'],
      invoke: {
        src: 'requestCode',
        input: ({ context }) => ({ phone: `+${context.digits}` }),
        // Forget the number as soon as it has been asked for: the screen after it shows nothing of it.
        onDone: [
          // No answer in time, but the server may have acted: a code may still come, so no "try again" (a second
          // request would re-issue once more) and the visit ends like a sent one.
          { guard: 'not confirmed', target: 'unconfirmed', actions: assign({ digits: '', error: null, asked: true }) },
          { target: 'sent', actions: assign({ digits: '', error: null, asked: true }) },
        ],
        onError: [
          { guard: 'limited', target: 'limited', actions: assign({ digits: '', asked: true, error: ({ event }) => asApiError(event.error) }) },
          { guard: 'cannot ask now', target: 'offline', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
          // Bad input (a number the core refuses): back to the keypad with the message.
          { target: 'entering', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
        ],
      },
    },
    sent: { on: { FINISH: 'done' } },
    unconfirmed: { on: { FINISH: 'done' } },
    limited: { tags: ['error'], on: { FINISH: 'done' } },
    // Offline: the person may try again at once (the number is still there) or leave.
    offline: { tags: ['error'], on: { RETRY: 'sending', FINISH: 'done' } },
    done: { type: 'final' },
  },
});
