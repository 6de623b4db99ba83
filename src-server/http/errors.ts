import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { z } from 'zod';
import type { ServerErrorCode } from '../../src-shared/sync-protocol';
import type { Logger } from '../log';

const STATUS: Record<ServerErrorCode, number> = {
  BAD_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NO_CAPACITY: 409,
  DUPLICATE: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/** Thrown by handlers and services; the error handler turns it into `{error: {code, message}}`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: ServerErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

/** zod-parse one part of a request; failure → 400 BAD_INPUT naming the first offending field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) => `${[what, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new HttpError('BAD_INPUT', issues.join('; '));
}

/** Routes without `config: { query: true }` take no query string (app.ts checks it for every route). */
export const NoQuery = z.object({}).strict();

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route validates its own query string; otherwise any query parameter is a 400. */
    query?: boolean;
  }
}

/**
 * JSON.parse, refusing `__proto__` keys and `constructor.prototype` anywhere, however spelled: harmless to our
 * zod-checked handlers today, but a key that can only be an attack is refused by name rather than carried into objects
 * a later change might merge. Our own substring check missed `"\u005f_proto__"` (a JSON escape): secure-json-parse,
 * Fastify's own guard, matches the escaped spellings too. Throws HttpError BAD_INPUT for those keys, SyntaxError for
 * text that is not JSON.
 */
export function parseJsonBody(text: string): unknown {
  try {
    return sjson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    if (err instanceof SyntaxError && /forbidden prototype property/.test(err.message)) {
      throw new HttpError('BAD_INPUT', 'body: the keys "__proto__" and "constructor.prototype" are not allowed');
    }
    throw err;
  }
}

export function installErrorHandling(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.status).send({ error: { code: err.code, message: err.message } });
    }
    const e = err as { statusCode?: number; code?: string; message?: string };
    const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (status === 413) return reply.status(413).send({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' } });
    if (status === 415) return reply.status(415).send({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json' } });
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: 'BAD_INPUT', message: e.message ?? 'bad request' } });
    }
    log.error('request failed', { method: req.method, url: req.routeOptions.url, err: e.message });
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
