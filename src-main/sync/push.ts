import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { PushCredentials } from '../../src-shared/sync-protocol';
import type { Logger } from '../log';
import type { Db } from '../store/sqlite';
import { deleteMeta, getMeta, setMeta } from './meta';

/**
 * The kiosk's end of push over MQTT 3.1.1 (ADR mqtt-push). A connection to the fleet's broker with the kiosk's own
 * account from enrollment: it subscribes to its ping topic and the fleet's broadcast topic, says `online` (retained) on
 * its presence topic, and leaves a last will, retained `offline`, that the broker publishes the moment the connection
 * drops. A ping carries no data: client.ts answers it with a pull over the signed HTTP path. Reconnects by itself
 * (every `reconnectMs`, jittered per kiosk so a broker restart is not met by the whole fleet at once).
 */

/** Non-secret half in the meta table; the password alone in `<dataDir>/mqtt-secret` (0600), like the kiosk secret. */
const META_PUSH = 'push_config';
export const PUSH_SECRET_FILE = 'mqtt-secret';

export function savePushCredentials(db: Db, dataDir: string, creds: PushCredentials | null | undefined): void {
  const file = path.join(dataDir, PUSH_SECRET_FILE);
  if (!creds) {
    // Enrolled with a fleet that does not push: forget any earlier broker account, poll.
    deleteMeta(db, META_PUSH);
    fs.rmSync(file, { force: true });
    return;
  }
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, creds.password + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  const { password: _secret, ...rest } = creds;
  setMeta(db, META_PUSH, JSON.stringify(rest));
}

/** The stored broker account, or null (none, or the secret file is missing or does not parse: then the kiosk polls). */
export function loadPushCredentials(db: Db, dataDir: string): PushCredentials | null {
  const meta = getMeta(db, META_PUSH);
  if (!meta) return null;
  try {
    const password = fs.readFileSync(path.join(dataDir, PUSH_SECRET_FILE), 'utf8').trim();
    const parsed = PushCredentials.safeParse({ ...JSON.parse(meta), password });
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export type PingKind = 'direct' | 'broadcast';

export interface PushHooks {
  /** A ping arrived: the manifest has news (direct: this kiosk's; broadcast: every kiosk's). */
  onPing(kind: PingKind): void;
  /** Connected and subscribed: pings will arrive from now on (any sent while down were missed: pull now). */
  onUp(): void;
  /** The connection is gone: poll until onUp. */
  onDown(reason: string): void;
}

export interface PushOptions {
  /** Base delay between reconnect attempts; each kiosk adds up to 50 % of it, fixed per connection. */
  reconnectMs: number;
  /** MQTT keepalive (s): a connection that silently died is noticed after 1.5× this (by both ends). */
  keepaliveS: number;
  connectTimeoutMs: number;
  /**
   * After the broker refused the account (CONNACK 4/5: not provisioned yet, e.g. enrolled while the broker was down),
   * try again this much later (+ up to 50 %): slower than `reconnectMs`, so a misconfigured fleet does not hammer it.
   */
  refusedRetryMs: number;
}

export const DEFAULT_PUSH_OPTIONS: PushOptions = { reconnectMs: 5_000, keepaliveS: 30, connectTimeoutMs: 10_000, refusedRetryMs: 60_000 };

export class KioskPush {
  private client: MqttClient | null = null;
  private isUp = false;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly creds: PushCredentials,
    private readonly hooks: PushHooks,
    private readonly log: Logger,
    private readonly o: PushOptions = DEFAULT_PUSH_OPTIONS,
    private readonly random: () => number = Math.random,
  ) {}

  /** True while connected with both subscriptions granted. */
  get up(): boolean {
    return this.isUp;
  }

  start(): void {
    if (this.client || this.closed) return;
    const c = this.creds;
    const client = mqtt.connect(c.url, {
      protocolVersion: 4,
      // The broker binds the account to this client id (dynsec), so no other client can pose as this kiosk.
      clientId: c.username,
      username: c.username,
      password: c.password,
      clean: true,
      keepalive: this.o.keepaliveS,
      connectTimeout: this.o.connectTimeoutMs,
      reconnectPeriod: Math.round(this.o.reconnectMs * (1 + this.random() / 2)),
      resubscribe: false,
      queueQoSZero: false,
      will: { topic: c.presenceTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => void this.subscribe(client));
    client.on('message', (topic) => {
      if (topic === c.pingTopic) this.hooks.onPing('direct');
      else if (topic === c.broadcastTopic) this.hooks.onPing('broadcast');
    });
    client.on('close', () => this.down('connection closed'));
    client.on('error', (err) => {
      this.down(err.message);
      // mqtt.js stops reconnecting after a refused CONNACK; the account may exist later (the server provisions
      // kiosks the broker lacks on its next connect), so try again, slowly.
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number' && code > 0 && code < 128 && !this.closed && !this.retryTimer) {
        this.log.warn('push: the broker refused this kiosk\'s account; polling, will try again', { code });
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (!this.closed && this.client === client) client.reconnect();
        }, Math.round(this.o.refusedRetryMs * (1 + this.random() / 2)));
      }
    });
  }

  /** Says `offline` (retained; a clean disconnect sends no will), then disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (client.connected) {
      await Promise.race([
        client.publishAsync(this.creds.presenceTopic, 'offline', { qos: 1, retain: true }).catch(() => undefined),
        new Promise((r) => setTimeout(r, 1_000).unref()),
      ]);
    }
    this.isUp = false;
    await client.endAsync(true).catch(() => undefined);
  }

  private async subscribe(client: MqttClient): Promise<void> {
    try {
      await client.subscribeAsync([this.creds.pingTopic, this.creds.broadcastTopic], { qos: 0 });
      await client.publishAsync(this.creds.presenceTopic, 'online', { qos: 1, retain: true });
    } catch (err) {
      // Refused (SUBACK 0x80: the broker does not know this account's topics yet) or dropped: stay down; the next
      // reconnect tries again.
      this.log.warn('push: subscribing failed; polling', { error: (err as Error).message });
      client.stream?.destroy();
      return;
    }
    if (this.closed || this.client !== client) return;
    this.isUp = true;
    this.log.info('push: connected; the manifest is pulled on pings', { url: this.creds.url.replace(/\/\/[^@/]*@/, '//') });
    this.hooks.onUp();
  }

  private down(reason: string): void {
    if (!this.isUp) return;
    this.isUp = false;
    if (!this.closed) this.hooks.onDown(reason);
  }
}
