import type { FastifyInstance } from 'fastify';
import { HEADER_SYNC_PROTOCOL, MIN_SYNC_PROTOCOL_VERSION, SYNC_PROTOCOL_VERSION } from '../../src-shared/sync-protocol';
import { HttpError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The kiosk's sync protocol version (x-sync-protocol; 1 when absent). Set on /v1/kiosks routes only. */
    syncProtocol?: number;
  }
}

/**
 * The version rule on the server side (ADR protocol-version): on every kiosk route, a request without the header is
 * version 1, one at or above MIN_SYNC_PROTOCOL_VERSION is served (a newer one as this version: its extra fields are
 * dropped by the lenient request schemas), an older one is refused 400 naming the oldest version served. Every answer
 * says which version answered, so a newer kiosk can tell an older server.
 */
export function installProtocolVersion(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/v1/kiosks/')) return;
    void reply.header(HEADER_SYNC_PROTOCOL, String(SYNC_PROTOCOL_VERSION));
    const raw = req.headers[HEADER_SYNC_PROTOCOL];
    if (raw === undefined) {
      req.syncProtocol = 1;
      return;
    }
    if (typeof raw !== 'string' || !/^[0-9]{1,4}$/.test(raw)) throw new HttpError('BAD_INPUT', `${HEADER_SYNC_PROTOCOL} must be a version number`);
    const v = Number(raw);
    if (v < MIN_SYNC_PROTOCOL_VERSION) {
      throw new HttpError('BAD_INPUT', `sync protocol ${v} is no longer served (oldest: ${MIN_SYNC_PROTOCOL_VERSION}); update the kiosk`);
    }
    req.syncProtocol = v;
  });
}
