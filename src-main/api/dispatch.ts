import { api, isCallName, type CallName, type CallOutput, type ParsedInput } from '../../src-shared/api';
import { KioskError, type Result } from '../../src-shared/errors';
import type { KioskContext } from '../context';
import { createLogger } from '../log';
import { isStoreCode, storeKioskError } from '../store/store-errors';
import { callCommits, storeHealth } from '../store/store-health';
import { STARTS_NEW } from './door-calls';

const log = createLogger('api');

export type Handler<N extends CallName> = (input: ParsedInput<N>, ctx: KioskContext) => Promise<CallOutput<N>> | CallOutput<N>;
export type Handlers = { [N in CallName]: Handler<N> };

/**
 * Waits before each retry of a call that met a busy store (another process holding the write lock past the short
 * busy timeout, sqlite.ts), in ms: about 2.6 s in all, never blocking the event loop, then STORE_BUSY ("the locker
 * is busy, try again in a moment"). See docs/adr (store-errors).
 */
export const BUSY_RETRY_DELAYS_MS: readonly number[] = [25, 50, 100, 200, 400, 800, 1000];


/** Largest request we parse at all: anything bigger is refused before zod sees it. */
const MAX_INPUT_CHARS = 16_384;

/**
 * The single entry for every API call, from IPC or the WebSocket: unknown call or malformed input → BAD_INPUT with
 * nothing changed; a KioskError → its code; a store failure → STORE_FULL / STORE_BUSY (after async retries) /
 * STORE_UNAVAILABLE; while the store is degraded, calls that start a new operation are refused up front; anything
 * else → INTERNAL (logged, message kept generic).
 */
export async function dispatch(handlers: Partial<Handlers>, ctx: KioskContext, call: unknown, input: unknown): Promise<Result<unknown>> {
  if (!isCallName(call)) return { ok: false, error: { code: 'BAD_INPUT', message: `unknown call ${String(call).slice(0, 40)}` } };
  let size: number;
  try {
    size = JSON.stringify(input ?? {}).length;
  } catch {
    return { ok: false, error: { code: 'BAD_INPUT', message: 'input is not serialisable' } };
  }
  if (size > MAX_INPUT_CHARS) return { ok: false, error: { code: 'BAD_INPUT', message: 'input too large' } };
  const parsed = api[call].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'input';
    return { ok: false, error: { code: 'BAD_INPUT', message: `${call}: ${where}: ${issue?.message ?? 'invalid'}` } };
  }
  const handler = handlers[call] as Handler<CallName> | undefined;
  if (!handler) return { ok: false, error: { code: 'NOT_AVAILABLE', message: `${call} is not available on this kiosk` } };
  const health = storeHealth(ctx.db);
  if (STARTS_NEW.has(call) && health.degraded()) {
    const code = health.status === 'full' ? 'STORE_FULL' : 'STORE_UNAVAILABLE';
    return { ok: false, error: { code, message: `${call}: the kiosk is temporarily out of order (store ${health.status})` } };
  }
  for (let attempt = 0; ; attempt++) {
    const scope = { commits: 0 };
    try {
      const value = await callCommits.run(scope, () => handler(parsed.data as never, ctx));
      return { ok: true, value };
    } catch (err) {
      const named = err instanceof KioskError ? err : storeKioskError(err);
      if (named?.code === 'STORE_BUSY') {
        // Retried only when this attempt committed nothing: then it changed nothing and opened no door (a door opens
        // only after its journal row commits), so running it again is safe (store-health.ts, callCommits).
        const delay = BUSY_RETRY_DELAYS_MS[attempt];
        if (delay !== undefined && scope.commits === 0) {
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        log.warn('store busy: giving up', { call, attempts: attempt + 1 });
      } else if (named && isStoreCode(named.code)) {
        log.error('store failure', { call, errorCode: named.code, error: (err as Error).message });
      }
      if (named) return { ok: false, error: named.toApiError() };
      log.error('handler failed', { call, error: (err as Error).stack ?? String(err) });
      return { ok: false, error: { code: 'INTERNAL', message: 'something went wrong inside the kiosk' } };
    }
  }
}
