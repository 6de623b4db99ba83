import type { Server } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import { MAX_EVENTS_PER_BATCH } from '../../src-shared/sync-protocol';

/**
 * What one fleet-server instance lets a client cost it (ADR server-hardening). Fastify's defaults set no request
 * timeout, no connection cap and a 1 MiB body everywhere; a slow or hostile client could hold sockets for ever and
 * make the event loop parse megabytes before anyone checked who sent them.
 */
export interface ServerLimits {
  /** The whole request (headers and body) must arrive within this (ms). Node answers 408 and closes otherwise. */
  requestTimeoutMs: number;
  /** The headers must arrive within this (ms): a slow-loris never gets past it. Must not exceed requestTimeoutMs. */
  headersTimeoutMs: number;
  /** A socket with no traffic at all is closed after this (ms). */
  connectionTimeoutMs: number;
  /** An idle keep-alive socket between requests is closed after this (ms). */
  keepAliveTimeoutMs: number;
  /** How often Node checks sockets against the two timeouts above (ms; Node's default is 30 s). */
  timeoutCheckIntervalMs: number;
  /** Open sockets per instance; a socket beyond the cap is closed at once. */
  maxConnections: number;
  /** Requests served on one keep-alive socket before the server asks the client to reconnect. */
  maxRequestsPerSocket: number;
  /**
   * The load balancers in front of this server whose X-Forwarded-For entry is trusted for the client address
   * (addresses or CIDR ranges, e.g. `127.0.0.1`, `10.0.0.0/8`); empty = none (the socket's address). Only the entry a
   * listed balancer appended counts: never "trust all", or a client names any address it likes in the header and
   * escapes every per-address limit (seen in review).
   */
  trustProxy: string[];
  rate: RateLimits;
}

/** Requests per minute per key; every limiter is per instance (N instances behind a balancer: N × these). */
export interface RateLimits {
  /** Every request from one client address, whatever it is. Generous: many kiosks may share one NAT address. */
  perAddress: number;
  /** Signed requests per kiosk. A kiosk makes ~8 a minute when polling; bursts (a driver's visit) stay far below. */
  perKiosk: number;
  /** Requests per admin/carrier key (intake bursts). */
  perAdminKey: number;
  /** Enrollments and other unauthenticated calls per client address. */
  unauthenticatedPerAddress: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  connectionTimeoutMs: 60_000,
  keepAliveTimeoutMs: 20_000,
  timeoutCheckIntervalMs: 1_000,
  maxConnections: 10_000,
  maxRequestsPerSocket: 1_000,
  trustProxy: [],
  rate: { perAddress: 3_000, perKiosk: 240, perAdminKey: 6_000, unauthenticatedPerAddress: 30 },
};

export type LimitsInput = Partial<Omit<ServerLimits, 'rate'>> & { rate?: Partial<RateLimits> };

export function resolveLimits(o: LimitsInput = {}): ServerLimits {
  const l = { ...DEFAULT_LIMITS, ...o, rate: { ...DEFAULT_LIMITS.rate, ...o.rate } };
  if (l.headersTimeoutMs > l.requestTimeoutMs) throw new Error('limits: headersTimeoutMs must not exceed requestTimeoutMs');
  return l;
}

/**
 * The largest JSON one event of the sync protocol can take: the biggest payload is `problem.reported` (note 500 and
 * reference 40 UTF-16 units, at most 3 UTF-8 bytes each, plus barcode, ids and keys) at about 1.9 KB; 2 KiB covers it
 * (tests/server/hardening-limits.test.ts builds that worst case and checks).
 */
export const MAX_EVENT_JSON_BYTES = 2048;

/** Body limits per route kind (bytes). Sized from the protocol's own maxima, not from Fastify's 1 MiB default. */
export const BODY_LIMITS = {
  /** `{events:[…]}`, at most MAX_EVENTS_PER_BATCH events: 500 × 2 KiB + the envelope. */
  events: MAX_EVENTS_PER_BATCH * MAX_EVENT_JSON_BYTES + 1024,
  /** Heartbeat: up to 100 faults of ~800 bytes worst case. */
  heartbeat: 96 * 1024,
  /** Enroll, shipment intake, badges: a few hundred bytes in practice. */
  small: 8 * 1024,
  /** Routes that take no body (GETs, DELETE, revoke, sweep). */
  none: 1024,
} as const;

/** Fastify constructor options for these limits (everything else stays as app.ts sets it). */
export function fastifyLimitOptions(l: ServerLimits): FastifyServerOptions {
  return {
    bodyLimit: BODY_LIMITS.small,
    requestTimeout: l.requestTimeoutMs,
    connectionTimeout: l.connectionTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    maxRequestsPerSocket: l.maxRequestsPerSocket,
    // Only listed balancers: the client address is the entry the last trusted hop appended, never one the client wrote.
    ...(l.trustProxy.length > 0 ? { trustProxy: l.trustProxy.join(',') } : {}),
    http: { headersTimeout: l.headersTimeoutMs, connectionsCheckingInterval: l.timeoutCheckIntervalMs },
  } as FastifyServerOptions;
}

/** The connection cap lives on the Node server itself. */
export function applyConnectionCap(server: Server, l: ServerLimits): void {
  server.maxConnections = l.maxConnections;
}
