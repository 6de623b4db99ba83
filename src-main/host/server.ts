import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import type { KioskCore } from '../core';
import { createLogger } from '../log';
import { registerStatic, securityHeaders } from './static';
import { newToken } from './token';
import { upgradeGate } from './upgrade-gate';
import { MAX_FRAME_BYTES, serveApi } from './ws-api';

const log = createLogger('host');

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

/** The token from a raw request target, without throwing on anything a client can write there. */
function tokenOf(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  return q < 0 ? '' : (new URLSearchParams(rawUrl.slice(q + 1)).get('token') ?? '');
}

/** What the log keeps of a request target: enough to recognise it, never the token, never a megabyte. */
function shown(rawUrl: string | undefined): string {
  return (rawUrl ?? '').replace(/token=[^&]*/g, 'token=[redacted]').slice(0, 120);
}

/**
 * Node's HTTP parser refused the bytes (bad request line, header too large, timeout...): answer once if the socket
 * can still take it, then drop it. Replaces Fastify's default only to log the refusal.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code !== 'ECONNRESET') log.warn('request refused by the HTTP parser', { errorCode: err.code ?? null });
  if (socket.writable && !socket.destroyed) {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
}

/** Connections host mode accepts at once: the page needs a few; the rest of the descriptor budget stays free. */
export const HOST_MAX_CONNECTIONS = 128;
/** A connection that sends nothing (or only part of a request) for this long is closed. */
export const HOST_IDLE_MS = 10_000;

/**
 * Host mode: the renderer over HTTP on loopback and the API over one WebSocket, on Fastify with `@fastify/static`
 * and `@fastify/websocket` (ADR 0004). A page from another origin can reach 127.0.0.1 too, so the socket demands the
 * session token (`opts.token`: run.ts keeps it in `<dataDir>/host-token`, 0600, so the kiosk's own page reconnects
 * after a restart; a fresh random one when absent) and our own Origin; either missing → 401/403 before the upgrade,
 * so no frame is ever read. Nothing a client sends is fatal: parser errors, bad URLs and oversize or
 * malformed frames are refused (4xx or a close code) and logged.
 * Throws what `listen` throws (e.g. EADDRINUSE) when the port is taken.
 */
export async function startHostServer(core: KioskCore, opts: { port: number; rendererDir: string; token?: string }): Promise<HostServer> {
  const token = opts.token ?? newToken();
  let port = opts.port;
  const app = Fastify({
    logger: false,
    // Close keep-alive and half-read connections on close(), so stopping the kiosk never waits on a browser tab.
    forceCloseConnections: true,
    clientErrorHandler: onClientError,
    // Static files only: there is no body to read, and a client must not make us buffer one.
    bodyLimit: 1024,
    // One kiosk page needs a handful of connections. A local process opening thousands of idle ones must neither
    // exhaust our file descriptors (EMFILE took the page down) nor hold them: idle sockets are closed, and the page's
    // WebSocket is exempt (ws clears the socket timeout on upgrade).
    connectionTimeout: HOST_IDLE_MS,
    keepAliveTimeout: 5_000,
    requestTimeout: HOST_IDLE_MS,
    // Errors Fastify raises before routing (a URL it cannot decode, FST_ERR_BAD_URL) skip the hooks below.
    frameworkErrors: (err, req, reply) => {
      log.warn('request refused', { status: 400, errorCode: err.code ?? null, url: shown(req.raw.url) });
      void (reply as FastifyReply).code(400).headers(securityHeaders(port)).type('text/plain').send('refused');
    },
  });
  // A server 'error' after listening is logged and survived; before that (a taken port) `listen` rejects and the
  // entry point says so in one line, so it is not logged twice.
  app.server.maxConnections = HOST_MAX_CONNECTIONS;
  app.server.headersTimeout = HOST_IDLE_MS;
  let listening = false;
  app.server.on('error', (err) => {
    if (listening) log.error('host HTTP server error', { error: err.message });
  });

  // Every response (errors included) carries the security headers; WebSocket upgrades are hijacked and get none.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(securityHeaders(port));
    return payload;
  });
  // Read-only: anything but GET/HEAD is refused before routing (and before any body is parsed).
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      log.warn('request refused: method', { method: req.method.slice(0, 16) });
      return reply.code(405).header('allow', 'GET, HEAD').send();
    }
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('not found'));
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) log.error('host request failed', { url: shown(req.raw.url), error: err.stack ?? String(err) });
    else log.warn('request refused', { status, errorCode: err.code ?? null, url: shown(req.raw.url) });
    // The status says enough; the error's own message may echo the client's bytes back.
    return reply.code(status).type('text/plain').send(status === 404 ? 'not found' : 'refused');
  });

  await app.register(fastifyWebsocket, {
    // Upgrades arrive only through the gate: GET /api, nothing else (see upgrade-gate.ts).
    options: { maxPayload: MAX_FRAME_BYTES, server: upgradeGate(app.server) },
    // Errors on an established socket: oversize frame (1009), invalid UTF-8 (1007), bad opcode (1002), a reset.
    // `ws` has already started the close with the right code; we only log and make sure it does close.
    errorHandler(err, socket) {
      log.warn('websocket closed on error', { errorCode: (err as NodeJS.ErrnoException).code ?? null, error: err.message });
      if (socket.readyState === socket.OPEN) socket.close(1011);
    },
    // Stop promptly: no goodbye handshake with clients that may never answer.
    preClose(done) {
      for (const c of this.websocketServer.clients) c.terminate();
      this.websocketServer.close(() => done());
    },
  });
  await registerStatic(app, opts.rendererDir);

  app.get('/api', {
    websocket: true,
    onRequest: async (req, reply) => {
      const origin = req.headers.origin;
      const allowed = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
      if (!origin || !allowed.includes(origin)) {
        log.warn('websocket refused: origin', { origin: origin?.slice(0, 120) ?? null });
        return reply.code(403).type('text/plain').send('forbidden');
      }
      if (!safeEqual(tokenOf(req.raw.url ?? ''), token)) {
        log.warn('websocket refused: token');
        return reply.code(401).type('text/plain').send('unauthorized');
      }
    },
  }, (socket) => serveApi(core, socket));

  await app.listen({ port: opts.port, host: '127.0.0.1' });
  listening = true;
  port = (app.server.address() as { port: number }).port;
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: () => app.close(),
  };
}
