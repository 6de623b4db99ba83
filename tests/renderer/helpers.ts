import { fromPromise } from 'xstate';
import type { DoorOperation } from '../../src-shared/api/common';
import type { ApiError } from '../../src-shared/errors';

/** A fake promise actor that records its inputs and answers from a script (value, or an ApiError to reject with). */
export function fake<TOut, TIn = Record<string, unknown>>(answer: (input: TIn, call: number) => TOut | ApiError | Promise<TOut>) {
  const calls: TIn[] = [];
  const actor = fromPromise<TOut, TIn>(async ({ input }) => {
    calls.push(input);
    const out = await answer(input, calls.length);
    if (out && typeof out === 'object' && 'code' in out && 'message' in out) throw out;
    return out as TOut;
  });
  // `never`: a fake stands in for any actor slot; the machine tests check behaviour, not the slot's exact type.
  return { actor: actor as never, calls: calls as Array<TIn & Record<string, unknown>> };
}

export const apiError = (code: ApiError['code'], details?: ApiError['details']): ApiError => ({ code, message: code, ...(details ? { details } : {}) });

export function op(over: Partial<DoorOperation> = {}): DoorOperation {
  return {
    operationId: 'op-00000001',
    purpose: 'pickup',
    compartmentId: 'A07',
    state: 'opened',
    outcome: 'pending',
    graceUntil: null,
    reference: null,
    ...over,
  };
}

export const where = (compartmentId = 'A07') => ({ compartmentId, size: 'M' as const, column: 0, row: 3, heightCm: 90 });

export const session = (role: 'driver' | 'technician' = 'driver') => ({
  sessionId: 'sess-0123456789abcdef',
  role,
  badgeId: 'b_1',
  name: role === 'driver' ? 'Dana Driver' : 'Tom Tech',
  expiresAt: '2099-01-01T00:00:00Z',
});

/** Lets resolved fake promises settle and XState process what they sent. */
export const flush = () => new Promise((r) => setTimeout(r, 0));
