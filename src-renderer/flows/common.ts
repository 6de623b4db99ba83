import { fromCallback, fromPromise } from 'xstate';
import type { DoorOperation } from '../../src-shared/api/common';
import type { ApiError, Result } from '../../src-shared/errors';

/**
 * Machines declare their actors with these placeholders; the real ones (which call `window.kiosk`) are supplied
 * with `.provide()` by the React layer, fakes by the tests. A missing provide fails loudly instead of silently.
 */
export function notProvided<TOut, TIn>(name: string) {
  return fromPromise<TOut, TIn>(() => Promise.reject<TOut>(asApiError(new Error(`actor "${name}" was not provided`))));
}

/** The operation watcher: sends `{type: 'OPERATION', op}` whenever the door journal moves on. */
export type OperationEvent = { type: 'OPERATION'; op: DoorOperation };
export const watchOperationPlaceholder = fromCallback<OperationEvent, { operationId: string }>(() => () => undefined);

/** Turns an API Result into a resolved value or a rejection carrying the ApiError, which XState hands to onError. */
export async function unwrap<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (r.ok) return r.value;
  throw r.error;
}

export function asApiError(e: unknown): ApiError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) return e as ApiError;
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** A number from error.details, if the core sent one. */
export function detailNumber(e: ApiError | null, key: string): number | null {
  const v = e?.details?.[key];
  return typeof v === 'number' ? v : null;
}

export function detailString(e: ApiError | null, key: string): string | null {
  const v = e?.details?.[key];
  return typeof v === 'string' ? v : null;
}

/** Milliseconds left until an ISO time, never negative; unparseable or null means none. */
export function msUntil(iso: string | null, now: number): number {
  if (!iso) return 0;
  const at = Date.parse(iso);
  return Number.isFinite(at) ? Math.max(0, at - now) : 0;
}
