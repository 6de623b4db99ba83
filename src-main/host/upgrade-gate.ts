import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { createLogger } from '../log';

const log = createLogger('host');

/** An upgrade socket that has not become a WebSocket within this time is dropped (ws clears it on upgrade). */
const UPGRADE_DEADLINE_MS = 10_000;

function refuse(socket: Duplex, status: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/**
 * The one door from `server`'s upgrade requests to `@fastify/websocket`, which listens on the returned emitter (its
 * `options.server`) instead of the HTTP server itself. Why: the plugin routes every upgrade through Fastify, so any
 * GET route (the static wildcard, `*`) could be upgraded, and a target Fastify rejects as a bad URL (`http://[::1`)
 * got its 400 on a socket nobody closed. So only `GET /api` and `GET /api?…` pass (the token and Origin are checked
 * by the route, in Fastify); anything else is answered 404/405 here and closed. Every upgrade socket gets an error
 * listener (Node removes its own before 'upgrade') and a deadline, so none is left open by a refusal path.
 */
export function upgradeGate(server: http.Server): http.Server {
  const gate = new EventEmitter();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // A real upgrade hands ws a net.Socket; ws's setSocket() clears this deadline (setTimeout(0)).
    (socket as Partial<net.Socket>).setTimeout?.(UPGRADE_DEADLINE_MS, () => socket.destroy());
    const target = req.url ?? '';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    if (req.method !== 'GET') {
      log.warn('websocket refused: method', { method: (req.method ?? '').slice(0, 16) });
      return refuse(socket, '405 Method Not Allowed');
    }
    if (pathname !== '/api') {
      log.warn('websocket refused: path', { url: pathname.slice(0, 120) });
      return refuse(socket, '404 Not Found');
    }
    gate.emit('upgrade', req, socket, head);
  });
  // The plugin also calls removeListener on close; an EventEmitter has all it uses.
  return gate as unknown as http.Server;
}
