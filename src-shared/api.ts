import type { z } from 'zod';
import { kioskCalls } from './api/kiosk';
import { customerCalls } from './api/customer';
import { sendCalls } from './api/send';
import { staffCalls } from './api/staff';
import type { Result } from './errors';
import type { EventName, EventPayload } from './events';

/**
 * The one kiosk API table: call name → zod input schema → output schema. It drives the Electron
 * ipcMain handlers, the preload's `window.kiosk`, the host-mode WebSocket and the renderer's types.
 * Add calls in the area file (api/*.ts); this table only joins them.
 */
export const api = {
  ...kioskCalls,
  ...customerCalls,
  ...sendCalls,
  ...staffCalls,
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

export type Api = typeof api;
export type CallName = keyof Api;
/** What a caller passes (defaults may be omitted). */
export type CallInput<N extends CallName> = z.input<Api[N]['input']>;
/** What a handler receives after parsing. */
export type ParsedInput<N extends CallName> = z.output<Api[N]['input']>;
export type CallOutput<N extends CallName> = z.output<Api[N]['output']>;

export const CALL_NAMES = Object.keys(api) as CallName[];

export function isCallName(x: unknown): x is CallName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(api, x);
}

/** What the renderer sees as `window.kiosk`: one async function per call, plus `on` for pushed events. */
export type KioskBridge = {
  [N in CallName]: (input: CallInput<N>) => Promise<Result<CallOutput<N>>>;
} & {
  on<E extends EventName>(event: E, fn: (payload: EventPayload<E>) => void): () => void;
};

/** Channel names on the Electron IPC bridge. */
export const IPC_CALL_PREFIX = 'kiosk:call:';
export const IPC_EVENT_CHANNEL = 'kiosk:event';

/** Host-mode WebSocket frames. */
export type WsRequest = { id: number; call: CallName; input: unknown };
export type WsResponse = { id: number } & Result<unknown>;
export type WsPush = { event: EventName; payload: unknown };
