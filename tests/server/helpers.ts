import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signRequest } from '../../src-common/signing';
import { startFleetServer, type FleetServer, type StartFleetServerOptions } from '../../src-server/embedded';
import { silentLogger } from '../../src-server/log';
import { createTestDatabase, testDialect } from './pg';
import type { EnrollResponse, SizeCounts, SyncEvent } from '../../src-shared/sync-protocol';

export interface Started {
  server: FleetServer;
  dataDir: string;
  /** Set on the PostgreSQL run: the server's own database (another instance may join it). */
  databaseUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * A real fleet server on loopback with its own temp data dir (keys, and fleet.sqlite on the embedded default) and, when
 * the suite runs against PostgreSQL (FLEET_TEST_DB=postgres, the `postgres` vitest project), its own fresh database.
 */
export async function startTestServer(o: Partial<StartFleetServerOptions> = {}): Promise<Started> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-test-'));
  const db = testDialect() === 'postgres' && !o.databaseUrl ? await createTestDatabase() : undefined;
  const server = await startFleetServer({ dataDir, port: 0, log: silentLogger, sweepIntervalMs: 0, ...(db ? { databaseUrl: db.url } : {}), ...o });
  return {
    server,
    dataDir,
    databaseUrl: o.databaseUrl ?? db?.url,
    async stop() {
      await server.close();
      await db?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary JSON answers
export interface Res<T = any> {
  status: number;
  body: T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function http<T = any>(url: string, init: RequestInit = {}): Promise<Res<T>> {
  const r = await fetch(url, init);
  const text = await r.text();
  const json = (r.headers.get('content-type') ?? '').includes('json');
  return { status: r.status, body: json && text ? JSON.parse(text) : (text as unknown as T) };
}

export function admin(server: FleetServer, method: string, p: string, body?: unknown): Promise<Res> {
  return http(server.url + p, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** A minimal signed kiosk client: what src-main/sync does, without retries. */
export class TestKiosk {
  readonly secret: Buffer;
  constructor(
    readonly url: string,
    readonly creds: EnrollResponse,
  ) {
    this.secret = Buffer.from(creds.kioskSecret, 'base64');
  }
  get id() {
    return this.creds.kioskId;
  }

  static async enroll(server: FleetServer, capacity: SizeCounts = { S: 4, M: 3, L: 2, XL: 1 }): Promise<TestKiosk> {
    const res = await http<EnrollResponse>(server.url + '/v1/kiosks/enroll', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollmentToken: await server.createEnrollmentToken(), capacity, layoutName: 'test' }),
    });
    if (res.status !== 200) throw new Error(`enroll failed: ${res.status} ${JSON.stringify(res.body)}`);
    return new TestKiosk(server.url, res.body);
  }

  /** Signs and sends; `tamper` lets a test alter the request after signing. */
  async send(
    method: string,
    p: string,
    body?: unknown,
    opts: { now?: number; nonce?: string; headers?: (h: Record<string, string>) => Record<string, string>; rawBody?: string } = {},
  ): Promise<Res> {
    // A rawBody with no body is signed as is (hand-written JSON); with a body it is a tamper sent instead of it.
    const raw = body === undefined ? opts.rawBody : JSON.stringify(body);
    let headers = signRequest({
      kioskId: this.id,
      secret: this.secret,
      method,
      path: p,
      ...(raw !== undefined ? { body: raw } : {}),
      ...(opts.now !== undefined ? { now: opts.now } : {}),
      ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}),
    });
    if (raw !== undefined) headers['content-type'] = 'application/json';
    if (opts.headers) headers = opts.headers(headers);
    const sent = opts.rawBody ?? raw;
    return http(this.url + p, { method, headers, ...(sent !== undefined ? { body: sent } : {}) });
  }

  manifest(cursor = '0', limit?: number) {
    return this.send('GET', `/v1/kiosks/${this.id}/manifest?cursor=${cursor}${limit ? `&limit=${limit}` : ''}`);
  }
  events(events: SyncEvent[]) {
    return this.send('POST', `/v1/kiosks/${this.id}/events`, { events });
  }
  heartbeat(freeBySize: SizeCounts, extra: Record<string, unknown> = {}) {
    return this.send('POST', `/v1/kiosks/${this.id}/heartbeat`, { freeBySize, faults: [], outboxDepth: 0, version: '0.1.0', ...extra });
  }
}

export function deposited(parcelId: string, barcode: string, compartmentId = 'A01', size: 'S' | 'M' | 'L' | 'XL' = 'S', at = Date.now()): SyncEvent {
  return {
    id: randomUUID(),
    type: 'parcel.deposited',
    occurredAt: new Date(at).toISOString(),
    payload: { parcelId, barcode, compartmentId, size, expiresAt: new Date(at + 3 * 86400_000).toISOString() },
  };
}

export function pickedUp(parcelId: string, barcode: string, compartmentId = 'A01', at = Date.now()): SyncEvent {
  return { id: randomUUID(), type: 'parcel.picked_up', occurredAt: new Date(at).toISOString(), payload: { parcelId, barcode, compartmentId } };
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const TABLES = ['kiosks', 'enrollment_tokens', 'parcels', 'manifest', 'events', 'nonces', 'notifications', 'badges'] as const;

/** Row counts of every table, read from the database whichever it is: "no change" checks. */
export async function snapshot(server: FleetServer): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await server.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]!.n);
  out['parcel_states'] = Number((await server.query<{ n: number }>(`SELECT COUNT(*) AS n FROM parcels WHERE status != 'expected'`))[0]!.n);
  return out;
}
