import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CustomerOptions, ServerContext } from './context';
import { installErrorHandling, NoQuery, parseOr400 } from './http/errors';
import { installGuard, type Guard } from './http/guard';
import { applyConnectionCap, fastifyLimitOptions, resolveLimits, type LimitsInput } from './http/limits';
import { silentLogger, type Logger } from './log';
import { buildChannels, type ChannelsConfig } from './notify/channels';
import { NotificationOutbox } from './notify/outbox';
import { sweep } from './notify/sweep';
import { DEFAULT_PERSONAL_DATA_DAYS } from './services/personal-data';
import { carrierRoutes } from './routes/carrier';
import { carrierKeyRoutes } from './routes/carrier-keys';
import { commandRoutes } from './routes/commands';
import { consoleRoutes } from './routes/console';
import { inboxRoutes } from './routes/inbox';
import { analyticsRoutes } from './routes/analytics';
import { consoleAppRoutes, findConsoleDir } from './routes/console-app';
import { fleetPageRoutes } from './routes/fleet-page';
import { operatorRoutes } from './routes/operators';
import { passwordRoutes } from './routes/passwords';
import { parcelConsoleRoutes } from './routes/parcels';
import { personalDataRoutes } from './routes/personal-data';
import { kioskSyncRoutes } from './routes/kiosk-sync';
import { webhookRoutes } from './routes/webhooks';
import { alertRoutes } from './routes/alerts';
import { kioskReplaceRoutes } from './routes/kiosk-replace';
import { lostCodeRoutes } from './routes/lost-code';
import { recipientPageRoutes } from './routes/recipient-page';
import { DEFAULT_CUSTOMER_OPTIONS } from './services/recipient-link';
import { WebhookOutbox, type WebhookOutboxOptions } from './services/webhook-outbox';
import { openKioskSecret } from './services/enrollment';
import { noPush, startPush, type PushConfig } from './push/hub';
import { openStore } from './store/db';
import { loadKeysFor } from './store/keyring';

export interface FleetAppOptions {
  /** Holds fleet.sqlite (without databaseUrl) and, by default, keys/ (created if missing, 0700). */
  dataDir: string;
  /** `postgres://…`: PostgreSQL as the system of record instead of <dataDir>/fleet.sqlite (ADR fleet-store). */
  databaseUrl?: string;
  /** The key set, the same directory for every instance of a fleet (default <dataDir>/keys; keys.ts). */
  keysDir?: string;
  channels?: ChannelsConfig;
  /** Carrier/admin API key; default: generated once into <keysDir>/admin.key. */
  adminKey?: string;
  log?: Logger;
  /** ms since the epoch; tests inject a movable clock. */
  now?: () => number;
  pickupWindowDays?: number;
  /** An expected parcel not deposited within this many days is released (default 5; 0 = never). ADR restore-epoch. */
  undeliveredDays?: number;
  /** Days after a parcel finished before its personal data is erased (default 90, ADR personal-data). */
  personalDataDays?: number;
  /**
   * The file outside the database where this instance records the last state it saw, to detect a restore from an older
   * backup (default <dataDir>/restore-watermark.json; null = none). Keep it out of what you restore. ADR restore-epoch.
   */
  restoreWatermarkFile?: string | null;
  /** Online on the fleet page = a heartbeat younger than this (default 90 s). */
  onlineWindowMs?: number;
  /** Reminder sweep + nonce pruning interval (default 60 s; 0 = only on demand). */
  sweepIntervalMs?: number;
  notifications?: { baseDelayMs?: number; maxDelayMs?: number; maxAttempts?: number; pollMs?: number };
  /** Carrier status webhooks' outbox (ADR alerts-webhooks): backoff, attempts, poll, request timeout. */
  webhooks?: WebhookOutboxOptions;
  /** Timeouts, connection cap, rate limits (http/limits.ts DEFAULT_LIMITS; ADR server-hardening). */
  limits?: LimitsInput;
  /** MQTT push to kiosks and their presence (ADR mqtt-push); absent: kiosks poll. */
  push?: PushConfig;
  /** The built operator console (default: out/console, found by routes/console-app.ts); served at /console/. */
  consoleDir?: string;
  /** Recipients' link page and lost codes (ADR customer-self-service); defaults in DEFAULT_CUSTOMER_OPTIONS. */
  customer?: Partial<CustomerOptions>;
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

/** Builds the fleet server (not yet listening): opens the store (migrating it) and loads the keys tied to it. */
export async function buildFleetApp(o: FleetAppOptions): Promise<FleetApp> {
  const log = o.log ?? silentLogger;
  const store = await openStore({ dataDir: o.dataDir, ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}) });
  let keys;
  try {
    keys = await loadKeysFor(store, o.keysDir ?? path.join(o.dataDir, 'keys'), o.adminKey);
  } catch (err) {
    await store.close();
    throw err;
  }
  const channels = buildChannels(o.channels ?? {});
  const now = o.now ?? Date.now;
  const secrets = new Map<string, Buffer>();
  const outboxRef: { current?: NotificationOutbox } = {};
  const push = o.push ? startPush(o.push, { vault: keys.vault, log, now }) : noPush;

  const ctx: ServerContext = {
    store,
    keys,
    log,
    now,
    pickupWindowDays: o.pickupWindowDays ?? 3,
    undeliveredDays: o.undeliveredDays ?? 5,
    personalDataDays: o.personalDataDays ?? DEFAULT_PERSONAL_DATA_DAYS,
    restoreWatermarkFile: o.restoreWatermarkFile === undefined ? path.join(o.dataDir, 'restore-watermark.json') : o.restoreWatermarkFile,
    onlineWindowMs: o.onlineWindowMs ?? 90_000,
    channels: { smtp: channels.has('smtp'), sms: channels.has('sms'), console: channels.has('console') },
    async kioskSecret(kioskId, fresh = false) {
      const hit = fresh ? undefined : secrets.get(kioskId);
      if (hit) return hit;
      const row = await store.db.selectFrom('kiosks').select('secret_sealed').where('id', '=', kioskId).executeTakeFirst();
      if (!row) {
        secrets.delete(kioskId);
        return null;
      }
      const secret = openKioskSecret(ctx, kioskId, row.secret_sealed);
      secrets.set(kioskId, secret);
      return secret;
    },
    // Deferred: the worker must see only committed rows.
    notificationsQueued: () => void setImmediate(() => outboxRef.current?.kick()),
    push,
    customer: { ...DEFAULT_CUSTOMER_OPTIONS, ...o.customer },
  };
  // Kiosks enrolled while the broker was away get their broker account when it is back (push/hub.ts reconcile).
  push.setKnownKiosks(async () => (await store.db.selectFrom('kiosks').select('id').execute()).map((k) => k.id));

  const outbox = new NotificationOutbox({ store, vault: keys.vault, channels, log, now, ...o.notifications });
  outboxRef.current = outbox;
  const webhooks = new WebhookOutbox(ctx, o.webhooks);
  const runSweep = () => sweep(ctx);
  // Timer-driven sweeps must not crash the process on a database hiccup; the next one tries again.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweepQuietly = () => void (sweeping = runSweep().catch((err: unknown) => log.warn('sweep failed', { err: (err as Error).message })));

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
  // The operator console (issue 12, ADR operator-auth): its API behind sign-in, its files, and `/` pointing at it.
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith('/console/api/')) void reply.header('cache-control', 'no-store');
  });
  consoleRoutes(app, ctx, () => outbox.pendingCount());
  operatorRoutes(app, ctx);
  passwordRoutes(app, ctx);
  carrierKeyRoutes(app, ctx);
  commandRoutes(app, ctx);
  kioskReplaceRoutes(app, ctx);
  parcelConsoleRoutes(app, ctx);
  personalDataRoutes(app, ctx);
  inboxRoutes(app, ctx);
  webhookRoutes(app, ctx);
  alertRoutes(app, ctx);
  lostCodeRoutes(app, ctx);
  recipientPageRoutes(app, ctx);
  analyticsRoutes(app, ctx);
  consoleAppRoutes(app, findConsoleDir(o.consoleDir));
  fleetPageRoutes(app);

  outbox.start();
  const sweepTimer = o.sweepIntervalMs === 0 ? undefined : setInterval(sweepQuietly, o.sweepIntervalMs ?? 60_000);
  sweepTimer?.unref();
  // Catch up on anything left from before a restart.
  sweepQuietly();
  outbox.kick();
  webhooks.start();

  return {
    app,
    ctx,
    outbox,
    guard,
    sweep: runSweep,
    async close() {
      if (sweepTimer) clearInterval(sweepTimer);
      await app.close();
      await push.close();
      await outbox.stop();
      await webhooks.stop();
      await sweeping;
      await store.close();
    },
  };
}
