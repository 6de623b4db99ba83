import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerContext } from './context';
import { installErrorHandling, NoQuery, parseOr400 } from './http/errors';
import { installGuard, type Guard } from './http/guard';
import { applyConnectionCap, fastifyLimitOptions, resolveLimits, type LimitsInput } from './http/limits';
import { loadKeys } from './keys';
import { silentLogger, type Logger } from './log';
import { buildChannels, type ChannelsConfig } from './notify/channels';
import { NotificationOutbox } from './notify/outbox';
import { sweep } from './notify/sweep';
import { carrierRoutes } from './routes/carrier';
import { fleetPageRoutes } from './routes/fleet-page';
import { kioskSyncRoutes } from './routes/kiosk-sync';
import { openKioskSecret } from './services/enrollment';
import { openServerDatabase } from './store/db';

export interface FleetAppOptions {
  /** Holds fleet.sqlite and keys/ (created if missing). */
  dataDir: string;
  channels?: ChannelsConfig;
  /** Carrier/admin API key; default: generated once into <dataDir>/keys/admin.key. */
  adminKey?: string;
  log?: Logger;
  /** ms since the epoch; tests inject a movable clock. */
  now?: () => number;
  pickupWindowDays?: number;
  /** Online on the fleet page = a heartbeat younger than this (default 90 s). */
  onlineWindowMs?: number;
  /** Reminder sweep + nonce pruning interval (default 60 s; 0 = only on demand). */
  sweepIntervalMs?: number;
  notifications?: { baseDelayMs?: number; maxDelayMs?: number; maxAttempts?: number; pollMs?: number };
  /** Timeouts, connection cap, rate limits (http/limits.ts DEFAULT_LIMITS; ADR server-hardening). */
  limits?: LimitsInput;
}

export interface FleetApp {
  app: FastifyInstance;
  ctx: ServerContext;
  outbox: NotificationOutbox;
  /** The auth-before-body layer (http/guard.ts). */
  guard: Guard;
  /** Run the reminder sweep now (idempotent). */
  sweep(): ReturnType<typeof sweep>;
  close(): Promise<void>;
}

/** Builds the fleet server (not yet listening). */
export function buildFleetApp(o: FleetAppOptions): FleetApp {
  const log = o.log ?? silentLogger;
  const db = openServerDatabase(o.dataDir);
  const keys = loadKeys(o.dataDir, o.adminKey);
  const channels = buildChannels(o.channels ?? {});
  const now = o.now ?? Date.now;
  const secrets = new Map<string, Buffer>();
  const secretRow = db.prepare('SELECT secret_sealed FROM kiosks WHERE id = ?');
  const outboxRef: { current?: NotificationOutbox } = {};

  const ctx: ServerContext = {
    db,
    keys,
    log,
    now,
    pickupWindowDays: o.pickupWindowDays ?? 3,
    onlineWindowMs: o.onlineWindowMs ?? 90_000,
    channels: { smtp: channels.has('smtp'), sms: channels.has('sms'), console: channels.has('console') },
    kioskSecret(kioskId) {
      const hit = secrets.get(kioskId);
      if (hit) return hit;
      const row = secretRow.get(kioskId) as { secret_sealed: string } | undefined;
      if (!row) return null;
      const secret = openKioskSecret(ctx, kioskId, row.secret_sealed);
      secrets.set(kioskId, secret);
      return secret;
    },
    // Deferred: callers may still be inside a transaction; the worker must see only committed rows.
    notificationsQueued: () => void setImmediate(() => outboxRef.current?.kick()),
  };

  const outbox = new NotificationOutbox({ db, vault: keys.vault, channels, log, now, ...o.notifications });
  outboxRef.current = outbox;
  const runSweep = () => sweep(ctx);

  const limits = resolveLimits(o.limits);
  const app = Fastify({ logger: false, ...fastifyLimitOptions(limits) });
  applyConnectionCap(app.server, limits);
  installErrorHandling(app, log);
  // Before any route: every route gets its auth policy and body limit, and no body is read before its sender is known.
  const guard = installGuard(app, ctx, limits);
  // A route reads a query string only if it says so (config.query) and validates it itself; everywhere else a query
  // is bad input, not something silently ignored.
  app.addHook('preHandler', async (req) => {
    if (req.routeOptions.url !== undefined && req.routeOptions.config.query !== true) parseOr400(NoQuery, req.query, 'query');
  });
  kioskSyncRoutes(app, ctx);
  carrierRoutes(app, ctx, { sweep: runSweep, drainNotifications: () => outbox.drain() });
  fleetPageRoutes(app, ctx, () => outbox.pendingCount());

  outbox.start();
  const sweepTimer = o.sweepIntervalMs === 0 ? undefined : setInterval(runSweep, o.sweepIntervalMs ?? 60_000);
  sweepTimer?.unref();
  // Catch up on anything left from before a restart.
  runSweep();
  outbox.kick();

  return {
    app,
    ctx,
    outbox,
    guard,
    sweep: runSweep,
    async close() {
      if (sweepTimer) clearInterval(sweepTimer);
      await app.close();
      await outbox.stop();
      db.close();
    },
  };
}
