import { CALL_NAMES, type CallName, type KioskBridge, type WsPush, type WsRequest, type WsResponse } from '../../src-shared/api';
import type { ApiError, Result } from '../../src-shared/errors';
import type { EventName } from '../../src-shared/events';

/**
 * Host mode has no preload, so the page builds `window.kiosk` itself over one WebSocket.
 * The session token arrives once in the URL fragment (never sent to the server in a request line or Referer),
 * is kept in sessionStorage so a reload (e.g. after a renderer crash) still connects, and is then removed from
 * the address bar so it does not linger on screen or in history. Main keeps the same token across restarts
 * (`<dataDir>/host-token`, ADR 0004), so after a kiosk restart the socket's retries succeed with it by themselves.
 * A rotated token arrives as a new fragment on the loaded page (the launcher's navigation to `#token=…`, which loads
 * nothing new): the fragment's token always wins over sessionStorage, and bridge/index.ts takes it on `hashchange`.
 */
export const TOKEN_KEY = 'kiosk.sessionToken';

export function takeToken(loc: Location = location, store: Storage = sessionStorage, hist: History = history): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(loc.hash);
  if (match?.[1]) {
    const token = decodeURIComponent(match[1]);
    store.setItem(TOKEN_KEY, token);
    hist.replaceState(null, '', loc.pathname + loc.search);
    return token;
  }
  return store.getItem(TOKEN_KEY);
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface WsBridgeOptions {
  /** The socket's URL, read again at each (re)connect: a function when the token in it can change. */
  url: string | (() => string);
  /** Injected for tests; defaults to the browser's WebSocket. */
  createSocket?: (url: string) => WebSocket;
  /** A call that gets no answer in this time fails, so no screen waits forever. */
  callTimeoutMs?: number;
  onConnection?: (state: ConnectionState) => void;
}

/**
 * The largest frame the kiosk core reads, in UTF-8 bytes: must equal `MAX_FRAME_BYTES` in src-main/host/ws-api.ts
 * (a test holds them equal). Main closes the socket (1009) on a bigger frame; sending one would cost every call in
 * flight, and a queued one would close each new socket again after a reconnect. So it is refused here, locally.
 */
export const MAX_FRAME_BYTES = 32 * 1024;

const BACKOFF_MIN_MS = 250;
/**
 * The longest wait between tries. Main is on this machine (loopback), so a try costs nothing; a kiosk that comes back
 * must find its page back within seconds (issue 10 §2: attract screen interactive within 10 s of a restart).
 */
export const BACKOFF_MAX_MS = 2_000;

function transportError(message: string): { ok: false; error: ApiError } {
  // INTERNAL rather than SERVER_UNREACHABLE: it is the local kiosk core that is gone, not the fleet server.
  return { ok: false, error: { code: 'INTERNAL', message, details: { transport: true } } };
}

/** The bridge plus its transport controls: `close()` for good; `reconnect()` now, e.g. with a new token in `url`. */
export type WsBridge = KioskBridge & { close(): void; reconnect(): void };

export function createWsBridge(opts: WsBridgeOptions): WsBridge {
  const createSocket = opts.createSocket ?? ((u: string) => new WebSocket(u));
  const callTimeoutMs = opts.callTimeoutMs ?? 20_000;
  const pending = new Map<number, { resolve: (r: Result<unknown>) => void; timer: ReturnType<typeof setTimeout> }>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let attempt = 0;
  let closedByUs = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  function settle(id: number, result: Result<unknown>): void {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(result);
  }

  function failAll(message: string): void {
    for (const id of [...pending.keys()]) settle(id, transportError(message));
  }

  function connect(): void {
    opts.onConnection?.('connecting');
    const ws = createSocket(typeof opts.url === 'function' ? opts.url() : opts.url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      opts.onConnection?.('open');
      for (const frame of queue.splice(0)) ws.send(frame);
    };
    ws.onmessage = (ev: MessageEvent) => {
      let msg: WsResponse | WsPush;
      try {
        msg = JSON.parse(String(ev.data)) as WsResponse | WsPush;
      } catch {
        return; // not ours; a bad frame must not take the UI down
      }
      if ('event' in msg) {
        listeners.get(msg.event)?.forEach((fn) => fn(msg.payload));
      } else if (typeof msg.id === 'number') {
        settle(msg.id, msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error });
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      opts.onConnection?.('closed');
      // A request already sent may never be answered by the next socket: fail it now, clearly.
      failAll('connection to the kiosk core was lost before it answered');
      if (closedByUs) return;
      // Full-jitter exponential backoff, so a restarting core is not hammered.
      const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt++);
      reconnectTimer = setTimeout(connect, Math.random() * cap + 100);
    };
    ws.onerror = () => {
      /* onclose follows and does the work */
    };
  }

  function call(name: CallName, input: unknown): Promise<Result<unknown>> {
    const id = nextId++;
    const frame: WsRequest = { id, call: name, input };
    const text = JSON.stringify(frame);
    if (new TextEncoder().encode(text).length > MAX_FRAME_BYTES) {
      return Promise.resolve({ ok: false, error: { code: 'BAD_INPUT', message: `${name}: request too large to send` } });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(id, transportError(`no answer to ${name} within ${callTimeoutMs} ms`)), callTimeoutMs);
      pending.set(id, { resolve, timer });
      if (socket && socket.readyState === 1) socket.send(text);
      else queue.push(text);
    });
  }

  const bridge: Record<string, unknown> = {};
  // Generated from the API table so a new call is available without touching this file.
  for (const name of CALL_NAMES) bridge[name] = (input: unknown) => call(name, input ?? {});
  bridge.on = (event: EventName, fn: (payload: unknown) => void) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  };
  bridge.close = () => {
    closedByUs = true;
    if (reconnectTimer) clearTimeout(reconnectTimer);
    socket?.close();
    failAll('bridge closed');
  };
  // A new token (a rotated one handed over by the launcher): drop the socket that carries the old one (refused after
  // the rotation, 401 on each retry) and connect at once, without waiting out the backoff.
  bridge.reconnect = () => {
    if (closedByUs) return;
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = null;
    attempt = 0;
    const old = socket;
    socket = null;
    old?.close();
    failAll('connection to the kiosk core was renewed before it answered');
    connect();
  };
  connect();
  return bridge as unknown as WsBridge;
}
