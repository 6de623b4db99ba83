import { api, isCallName, type CallName, type CallOutput, type ParsedInput } from '../../src-shared/api';
import { KioskError, type Result } from '../../src-shared/errors';
import type { KioskContext } from '../context';
import { createLogger } from '../log';

const log = createLogger('api');

export type Handler<N extends CallName> = (input: ParsedInput<N>, ctx: KioskContext) => Promise<CallOutput<N>> | CallOutput<N>;
export type Handlers = { [N in CallName]: Handler<N> };

/** Largest request we parse at all: anything bigger is refused before zod sees it. */
const MAX_INPUT_CHARS = 16_384;

/**
 * The single entry for every API call, from IPC or the WebSocket: unknown call or malformed input → BAD_INPUT with
 * nothing changed; a KioskError → its code; anything else → INTERNAL (logged, message kept generic).
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
  try {
    const value = await handler(parsed.data as never, ctx);
    return { ok: true, value };
  } catch (err) {
    if (err instanceof KioskError) return { ok: false, error: err.toApiError() };
    log.error('handler failed', { call, error: (err as Error).stack ?? String(err) });
    return { ok: false, error: { code: 'INTERNAL', message: 'something went wrong inside the kiosk' } };
  }
}
