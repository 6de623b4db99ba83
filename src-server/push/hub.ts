import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { PushCredentials } from '../../src-shared/sync-protocol';
import type { Logger } from '../log';
import type { Vault } from '../keys';
import { DynsecAdmin } from './dynsec';
import { DEFAULT_TOPIC_ROOT, kioskOfPresence, topics } from './topics';

/**
 * Push over MQTT 3.1.1 (issue 11; ADR mqtt-push). The server's side:
 * - after a commit that appended to a kiosk's manifest, a payload-free ping on that kiosk's topic (bursts coalesced
 *   into one ping per kiosk per `coalesceMs`); QoS 0, never queued while the broker is down: a kiosk that missed a
 *   ping pulls when its own connection comes back, and polls meanwhile;
 * - presence: every instance subscribes to every kiosk's retained presence and mirrors it in memory (the broker is the
 *   record; a new or reconnected instance gets the retained state at once), so the fleet sees a drop when the broker
 *   publishes the kiosk's last will;
 * - broker credentials: the kiosk's password is derived from the data key (`Vault.derive`), never stored by us; the
 *   broker keeps only its salted hash (dynamic security). On every (re)connect, kiosks the broker does not know are
 *   provisioned again (`reconcile`), so an enrollment made while the broker was down converges.
 */
export interface PushConfig {
  /** Where this server connects, e.g. `mqtt://broker.internal:1883`. */
  url: string;
  /** What kiosks are told to connect to (default `url`). */
  kioskUrl?: string;
  /** The dynamic-security admin client (ADR mqtt-push: `mosquitto_ctrl dynsec init … <username>`). */
  username?: string;
  password?: string;
  /** Default `lk/fleet`. */
  topicRoot?: string;
  /** Pings for one kiosk within this window become one (default 25 ms). */
  coalesceMs?: number;
  /** How long an enrollment waits for the broker connection before answering without provisioning (default 3 s). */
  enrollWaitMs?: number;
}

export interface Presence {
  state: 'online' | 'offline';
  /** ms since the epoch (server clock) when this instance learned it. */
  at: number;
}

/** What the services see (ServerContext.push). All methods are cheap and never throw. */
export interface PushPort {
  readonly enabled: boolean;
  /** After the commit: this kiosk's manifest has new entries. */
  manifestChanged(kioskId: string): void;
  /** After the commit: every kiosk's manifest has a new entry. */
  manifestChangedAll(): void;
  /** After the commit: a remote command waits for this kiosk (ping `{"kind":"commands"}`; ADR remote-commands). */
  commandsQueued(kioskId: string): void;
  /** Provisions the kiosk at the broker (bounded wait) and returns what the enroll answer carries; undefined without push. */
  enrollKiosk(kioskId: string): Promise<PushCredentials | undefined>;
  /** The kiosk's broker presence as last heard, or null (no push, or nothing heard since this instance connected). */
  presence(kioskId: string): Presence | null;
  /** Kiosks the broker should know (called on connect to reconcile). */
  setKnownKiosks(list: () => Promise<string[]>): void;
  close(): Promise<void>;
}

export const noPush: PushPort = {
  enabled: false,
  manifestChanged() {},
  manifestChangedAll() {},
  commandsQueued() {},
  enrollKiosk: async () => undefined,
  presence: () => null,
  setKnownKiosks() {},
  close: async () => {},
};

export function startPush(cfg: PushConfig, deps: { vault: Vault; log: Logger; now: () => number }): PushPort {
  const root = cfg.topicRoot ?? DEFAULT_TOPIC_ROOT;
  const { log, now } = deps;
  // Credentials may ride in the URL (mqtt://admin:pw@host); kiosks must never be handed them.
  const fromUrl = userOf(cfg.url);
  const adminUser = cfg.username ?? fromUrl;
  const kioskUrl = cfg.kioskUrl ?? withoutUserinfo(cfg.url);
  const client: MqttClient = mqtt.connect(cfg.url, {
    protocolVersion: 4,
    clientId: `lk-server-${randomBytes(6).toString('hex')}`,
    clean: true,
    ...(cfg.username ? { username: cfg.username } : {}),
    ...(cfg.password ? { password: cfg.password } : {}),
    reconnectPeriod: 2_000,
    connectTimeout: 5_000,
    // Wrong admin credentials are an operator's fix away: keep trying (warned once) rather than stop for good.
    reconnectOnConnackError: true,
    // A ping is worth nothing later: the kiosk pulls on its own reconnect. Never pile them up while the broker is away.
    queueQoSZero: false,
    // onConnect subscribes itself, after making sure this client may (a new role means a reconnect).
    resubscribe: false,
  });
  const admin = new DynsecAdmin(client);
  const presence = new Map<string, Presence>();
  const pending = new Set<string>();
  const pendingCommands = new Set<string>();
  let pendingAll = false;
  let flushTimer: NodeJS.Timeout | null = null;
  let knownKiosks: (() => Promise<string[]>) | null = null;
  let lastError = '';
  /** Connected, allowed to publish, subscribed to presence. */
  let ready = false;
  const readyWaiters = new Set<() => void>();

  const password = (kioskId: string) => deps.vault.derive(`mqtt-password:${kioskId}`).toString('base64url');

  const warnOnce = (msg: string, err: unknown) => {
    const text = `${msg}: ${(err as Error)?.message ?? String(err)}`;
    if (text !== lastError) log.warn(msg, { error: (err as Error)?.message ?? String(err) });
    lastError = text;
  };

  client.on('connect', () => void onConnect());
  async function onConnect(): Promise<void> {
    lastError = '';
    if (adminUser) {
      const granted = await admin.serverGranted(root, adminUser).catch((err) => {
        warnOnce('push: cannot read this server’s broker role (is it the dynsec admin?); going on with the rights it has', err);
        return true;
      });
      if (!granted) {
        // The broker disconnects us to apply the new role; the next connect finds it and goes on.
        await admin.grantServer(root, adminUser).catch(() => undefined);
        if (!client.connected) return;
      }
    }
    try {
      await client.subscribeAsync(topics.allPresence(root), { qos: 1 });
    } catch (err) {
      warnOnce('push: cannot subscribe to presence', err);
    }
    if (!client.connected) return;
    ready = true;
    log.info('push: connected to the broker', { url: redact(cfg.url) });
    for (const wake of readyWaiters) wake();
    await reconcile().catch((err) => warnOnce('push: reconciling broker clients failed', err));
  }
  client.on('close', () => {
    ready = false;
    // Without the broker we know nothing about presence; the fleet falls back to heartbeats alone.
    presence.clear();
  });
  client.on('error', (err) => warnOnce('push: broker connection error', err));
  client.on('message', (topic, payload) => {
    const kioskId = kioskOfPresence(root, topic);
    if (!kioskId) return;
    const text = payload.toString('utf8');
    if (text === 'online' || text === 'offline') presence.set(kioskId, { state: text, at: now() });
    else if (text === '') presence.delete(kioskId); // a cleared retained message
  });

  async function reconcile(): Promise<void> {
    if (!knownKiosks) return;
    const [have, want] = await Promise.all([admin.clients(), knownKiosks()]);
    const missing = want.filter((id) => !have.has(id));
    for (const id of missing) await admin.provisionKiosk(root, id, password(id));
    if (missing.length) log.info('push: provisioned kiosks the broker did not know', { count: missing.length });
  }

  /** Resolves when ready or after `ms`, whichever is first; true if ready. */
  function whenReady(ms: number): Promise<boolean> {
    if (ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        readyWaiters.delete(done);
        resolve(ready);
      };
      const timer = setTimeout(done, ms);
      readyWaiters.add(done);
    });
  }

  function flush(): void {
    flushTimer = null;
    if (!ready) {
      pending.clear();
      pendingCommands.clear();
      pendingAll = false;
      return;
    }
    const body = JSON.stringify({ kind: 'manifest' });
    if (pendingAll) client.publish(topics.broadcast(root), body, { qos: 0 });
    else for (const id of pending) client.publish(topics.ping(root, id), body, { qos: 0 });
    // A kiosk answers any ping with a pull that fetches its commands too; the kind says why (ADR remote-commands).
    for (const id of pendingCommands) if (pendingAll || !pending.has(id)) client.publish(topics.ping(root, id), JSON.stringify({ kind: 'commands' }), { qos: 0 });
    pendingCommands.clear();
    pending.clear();
    pendingAll = false;
  }
  const later = () => void (flushTimer ??= setTimeout(flush, cfg.coalesceMs ?? 25));

  return {
    enabled: true,
    manifestChanged(kioskId) {
      pending.add(kioskId);
      later();
    },
    manifestChangedAll() {
      pendingAll = true;
      later();
    },
    commandsQueued(kioskId) {
      pendingCommands.add(kioskId);
      later();
    },
    async enrollKiosk(kioskId) {
      const creds: PushCredentials = {
        url: kioskUrl,
        username: kioskId,
        password: password(kioskId),
        pingTopic: topics.ping(root, kioskId),
        broadcastTopic: topics.broadcast(root),
        presenceTopic: topics.presence(root, kioskId),
      };
      // The broker being down must not stop an enrollment (a bounded wait): the kiosk polls until the next connect's
      // reconcile() provisions it; that lists kiosks after this enrollment's commit, so none is missed.
      if (await whenReady(cfg.enrollWaitMs ?? 3_000)) {
        await admin.provisionKiosk(root, kioskId, creds.password).catch((err) => warnOnce('push: provisioning a kiosk at the broker failed', err));
      }
      return creds;
    },
    presence: (kioskId) => presence.get(kioskId) ?? null,
    setKnownKiosks(list) {
      knownKiosks = list;
      if (ready) void reconcile().catch((err) => warnOnce('push: reconciling broker clients failed', err));
    },
    async close() {
      if (flushTimer) clearTimeout(flushTimer);
      for (const wake of readyWaiters) wake();
      admin.close();
      await client.endAsync(true).catch(() => undefined);
    },
  };
}

function userOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).username) || undefined;
  } catch {
    return undefined;
  }
}

function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'mqtt://(unparseable url)';
  }
}
