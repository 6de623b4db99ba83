/**
 * Lightweight simulated kiosks in push mode for bench/fleet-cluster.ts (helper: run-all skips `_` files). Each one
 * enrolls over HTTP, holds an MQTT 3.1.1 connection with its own broker account (retained `online`, last will
 * `offline`), heartbeats every `heartbeatMs`, pulls its manifest on a ping and on a slow safety interval (like
 * src-main/sync/client.ts in push mode, with the intervals scaled down), deposits each expected parcel it learns and
 * picks it up a little later, and sends its events from an outbox that retries until acked (same UUIDs: idempotent).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import mqtt, { type MqttClient } from 'mqtt';
import { signRequest } from '../src-common/signing';
import type { EnrollResponse, ManifestResponse, SyncEvent } from '../src-shared/sync-protocol';

export interface Sample {
  route: string;
  ms: number;
  status: number;
  /** performance.now() at the answer. */
  at: number;
  /** The instance that answered (HAProxy's x-backend), if any. */
  backend: string | undefined;
}

/** HTTP to one base URL over a keep-alive pool; every answer is recorded in `samples`. */
export class Http {
  readonly samples: Sample[] = [];
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;
  constructor(base: string, sockets = 64) {
    const u = new URL(base);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }
  /** status 0 = connection error (reset by a killed instance, refused). */
  request(route: string, method: string, p: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
    const start = performance.now();
    const done = (status: number, text: string, backend?: string) => {
      const at = performance.now();
      this.samples.push({ route, ms: at - start, status, at, backend });
      return { status, text };
    };
    return new Promise((resolve) => {
      const h = body ? { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : headers;
      const req = http.request({ host: this.host, port: this.port, method, path: p, agent: this.agent, headers: h }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(done(res.statusCode ?? 0, text, res.headers['x-backend'] as string | undefined)));
        res.on('error', () => resolve(done(0, '')));
      });
      req.on('error', () => resolve(done(0, '')));
      if (body) req.write(body);
      req.end();
    });
  }
  close(): void {
    this.agent.destroy();
  }
}

export interface FleetStats {
  eventsAcked: Set<string>;
  /** parcelId → performance.now() when a kiosk first applied its expected entry. */
  applied: Map<string, number>;
  /** Entries whose seq was not the one after the kiosk's last (a skipped manifest entry). */
  seqGaps: number;
  pings: number;
  mqttConnected: number;
}

export interface KioskTiming {
  heartbeatMs: number;
  safetyPullMs: number;
  depositAfterMs: number;
  pickupAfterMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SimKiosk {
  id = '';
  private secret = Buffer.alloc(0);
  private cursor = '0';
  private lastSeq = 0;
  private outbox: SyncEvent[] = [];
  private sending = false;
  private pulling = false;
  private pullAgain = false;
  private mq: MqttClient | null = null;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly n: number,
    private readonly http: Http,
    private readonly stats: FleetStats,
    private readonly t: KioskTiming,
  ) {}

  /** The kiosk's own address, as the balancer would see it (X-Forwarded-For; servers run with --trust-proxy). */
  private get addr(): string {
    return `10.${(this.n >> 16) & 255}.${(this.n >> 8) & 255}.${this.n & 255}`;
  }

  async enroll(adminKey: string): Promise<void> {
    const xff = { 'x-forwarded-for': this.addr };
    for (let attempt = 0; ; attempt++) {
      const tok = await this.http.request('token', 'POST', '/v1/enrollment-tokens', { authorization: `Bearer ${adminKey}` }, '{}');
      if (tok.status === 201) {
        const body = JSON.stringify({ enrollmentToken: JSON.parse(tok.text).enrollmentToken, capacity: { S: 20, M: 12, L: 6, XL: 2 }, version: 'bench' });
        const r = await this.http.request('enroll', 'POST', '/v1/kiosks/enroll', xff, body);
        if (r.status === 200 || r.status === 201) {
          const c = JSON.parse(r.text) as EnrollResponse;
          this.id = c.kioskId;
          this.secret = Buffer.from(c.kioskSecret, 'base64');
          if (c.push) this.connectPush(c.push);
          return;
        }
        if (attempt > 5) throw new Error(`enroll answered ${r.status}: ${r.text.slice(0, 200)}`);
      } else if (attempt > 5) throw new Error(`enrollment token answered ${tok.status}: ${tok.text.slice(0, 200)}`);
      await sleep(200);
    }
  }

  private connectPush(p: NonNullable<EnrollResponse['push']>): void {
    const c = mqtt.connect(p.url, {
      protocolVersion: 4,
      clientId: p.username,
      username: p.username,
      password: p.password,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 2_000,
      queueQoSZero: false,
      will: { topic: p.presenceTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.mq = c;
    c.on('connect', () => {
      this.stats.mqttConnected++;
      void c.subscribeAsync([p.pingTopic, p.broadcastTopic], { qos: 0 }).then(() => {
        c.publish(p.presenceTopic, 'online', { qos: 1, retain: true });
        void this.pull(); // pings sent while we were away are lost: pull once (as the real client does)
      }, () => undefined); // closed mid-subscribe (bench end, broker gone): the next connect subscribes again
    });
    c.on('close', () => this.stats.mqttConnected > 0 && this.stats.mqttConnected--);
    c.on('error', () => undefined);
    c.on('message', () => {
      this.stats.pings++;
      void this.pull();
    });
  }

  private signed(route: string, method: string, p: string, body?: string) {
    const h = signRequest({ kioskId: this.id, secret: this.secret, method, path: p, ...(body ? { body } : {}) });
    return this.http.request(route, method, p, { ...h, 'x-forwarded-for': this.addr }, body);
  }

  /** Starts the loops, each kiosk at a random phase so the fleet does not beat in step. */
  start(): void {
    const every = (ms: number, f: () => void) => {
      this.timers.push(
        setTimeout(() => {
          f();
          this.timers.push(setInterval(f, ms));
        }, Math.random() * ms),
      );
    };
    every(this.t.heartbeatMs, () => void this.heartbeat());
    every(this.t.safetyPullMs, () => void this.pull());
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }

  async closeMqtt(): Promise<void> {
    await this.mq?.endAsync(true).catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    const body = JSON.stringify({ freeBySize: { S: 10, M: 6, L: 3, XL: 1 }, faults: [], outboxDepth: this.outbox.length, version: 'bench', cursor: this.cursor });
    await this.signed('heartbeat', 'POST', `/v1/kiosks/${this.id}/heartbeat`, body);
  }

  /** One pull at a time; a ping during a pull makes one more pull after it. Follows hasMore. */
  async pull(): Promise<void> {
    if (this.stopped && !this.id) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    try {
      do {
        this.pullAgain = false;
        const r = await this.signed('manifest', 'GET', `/v1/kiosks/${this.id}/manifest?cursor=${this.cursor}`);
        if (r.status !== 200) return;
        const m = JSON.parse(r.text) as ManifestResponse;
        this.apply(m);
        if (m.hasMore) this.pullAgain = true;
      } while (this.pullAgain);
    } finally {
      this.pulling = false;
    }
  }

  private apply(m: ManifestResponse): void {
    const entries = [...m.expected.map((e) => ({ seq: e.seq, e })), ...m.cancellations.map((c) => ({ seq: c.seq, e: null })), ...m.extensions.map((x) => ({ seq: x.seq, e: null }))].sort((a, b) => a.seq - b.seq);
    for (const { seq, e } of entries) {
      if (seq <= this.lastSeq) continue;
      if (seq !== this.lastSeq + 1) this.stats.seqGaps += seq - this.lastSeq - 1;
      this.lastSeq = seq;
      if (!e || this.stats.applied.has(e.parcelId)) continue;
      this.stats.applied.set(e.parcelId, performance.now());
      const ref = { parcelId: e.parcelId, barcode: e.barcode };
      const slot = `A${String(10 + (seq % 90))}`;
      setTimeout(() => {
        const now = new Date();
        this.enqueue({ id: randomUUID(), type: 'parcel.deposited', occurredAt: now.toISOString(), payload: { ...ref, compartmentId: slot, size: e.size, expiresAt: new Date(now.getTime() + e.pickupWindowDays * 86_400_000).toISOString() } });
        setTimeout(() => this.enqueue({ id: randomUUID(), type: 'parcel.picked_up', occurredAt: new Date().toISOString(), payload: { ...ref, compartmentId: slot } }), this.t.pickupAfterMs);
      }, this.t.depositAfterMs);
    }
    this.cursor = m.nextCursor;
  }

  private enqueue(e: SyncEvent): void {
    this.outbox.push(e);
    void this.flush();
  }

  /** Sends the outbox until it is empty; a failed batch is sent again (same ids) a second later. */
  async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.outbox.length) {
        const batch = this.outbox.slice(0, 50);
        const r = await this.signed('events', 'POST', `/v1/kiosks/${this.id}/events`, JSON.stringify({ events: batch }));
        if (r.status !== 200) {
          await sleep(1_000);
          continue;
        }
        for (const e of batch) this.stats.eventsAcked.add(e.id);
        this.outbox.splice(0, batch.length);
      }
    } finally {
      this.sending = false;
    }
  }

  get pendingEvents(): number {
    return this.outbox.length;
  }
}
