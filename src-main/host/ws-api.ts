import type { WebSocket } from 'ws';
import type { KioskCore } from '../core';
import { createLogger } from '../log';

const log = createLogger('host');

/**
 * Largest WebSocket message the kiosk reads, in bytes. A real call is well under 2 KiB and the dispatcher refuses
 * inputs over 16 KiB anyway; anything bigger is closed by `ws` with 1009 before it is buffered whole.
 */
export const MAX_FRAME_BYTES = 32 * 1024;

/**
 * Serves the API over one authenticated socket: `{id, call, input}` in, `{id, ok, value | error}` out, and every
 * core event pushed as `{event, payload}`. A frame that is not such a request (binary, not JSON, no integer id)
 * gets `BAD_INPUT` with the id when one was readable; nothing a client sends can throw out of here.
 */
export function serveApi(core: KioskCore, ws: WebSocket): void {
  const off = core.on((event, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
  });
  ws.on('close', off);
  ws.on('message', (data, isBinary) => void answer(core, ws, data, isBinary));
}

async function answer(core: KioskCore, ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): Promise<void> {
  let id: unknown = null;
  let reply: string;
  try {
    if (isBinary) throw new Error('binary frame');
    const msg = JSON.parse(data.toString()) as { id?: unknown; call?: unknown; input?: unknown } | null;
    if (typeof msg !== 'object' || msg === null) throw new Error('not an object');
    id = msg.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new Error('missing id');
    const result = await core.call(msg.call, msg.input);
    reply = JSON.stringify({ id, ...result });
  } catch (err) {
    log.warn('websocket request refused', { reason: (err as Error).message });
    reply = JSON.stringify({
      id: typeof id === 'number' && Number.isSafeInteger(id) ? id : null,
      ok: false,
      error: { code: 'BAD_INPUT', message: `malformed request: ${(err as Error).message}` },
    });
  }
  if (ws.readyState === ws.OPEN) ws.send(reply);
}
