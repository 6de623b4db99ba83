import http from 'node:http';
import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KioskCore } from '../core';
import { createLogger } from '../log';
import { serveStatic } from './static';

const log = createLogger('host');
const MAX_FRAME = 32 * 1024;

export interface HostServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/**
 * Host mode: the renderer over HTTP on loopback and the API over one WebSocket. A page from another origin can
 * reach 127.0.0.1 too, so the socket demands the per-start token (which only the printed URL carries) and our
 * own Origin; either missing → refused before any call is read.
 */
export async function startHostServer(core: KioskCore, opts: { port: number; rendererDir: string }): Promise<HostServer> {
  const token = crypto.randomBytes(24).toString('base64url');
  let port = opts.port;
  const server = http.createServer((req, res) => serveStatic(opts.rendererDir, port, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api') return refuse(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    const allowed = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    if (!origin || !allowed.includes(origin)) {
      log.warn('websocket refused: origin', { origin: origin ?? null });
      return refuse(socket, 403, 'Forbidden');
    }
    if (!safeEqual(url.searchParams.get('token') ?? '', token)) {
      log.warn('websocket refused: token');
      return refuse(socket, 401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(core, ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function attach(core: KioskCore, ws: WebSocket): void {
  const off = core.on((event, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
  });
  ws.on('close', off);
  ws.on('message', async (data, isBinary) => {
    let id: unknown = null;
    try {
      if (isBinary) throw new Error('binary frame');
      const msg = JSON.parse(data.toString()) as { id?: unknown; call?: unknown; input?: unknown };
      id = msg.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new Error('missing id');
      const result = await core.call(msg.call, msg.input);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, ...result }));
    } catch (err) {
      if (ws.readyState === ws.OPEN)
        ws.send(JSON.stringify({ id, ok: false, error: { code: 'BAD_INPUT', message: `malformed request: ${(err as Error).message}` } }));
    }
  });
}
