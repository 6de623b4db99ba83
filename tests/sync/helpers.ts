import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFleetServer, type FleetServer, type StartFleetServerOptions } from '../../src-server/embedded';
import { silentLogger } from '../../src-server/log';
import { createTestDatabase, testDialect } from '../server/pg';
import type { Clock } from '../../src-main/clock';
import { loadConfig } from '../../src-main/config';
import { createKioskCore, type KioskCore } from '../../src-main/core';
import { createSync, type CreateSyncOptions } from '../../src-main/sync/index';
import type { EventName } from '../../src-shared/events';
import type { CallInput, CallName, CallOutput } from '../../src-shared/api';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Fast loop settings for tests: a cycle every 200 ms, backoff 50 ms … 400 ms. */
export const FAST_SYNC: CreateSyncOptions = { intervalMs: 200, backoffBaseMs: 50, backoffCapMs: 400, nudgeDebounceMs: 20, requestTimeoutMs: 2000 };

/**
 * A real fleet server on loopback. On the PostgreSQL run (FLEET_TEST_DB=postgres) it gets a fresh database, unless
 * `databaseUrl` is given (a restart on the same one: pass back the `databaseUrl` this returned).
 */
export async function startServer(
  o: Partial<StartFleetServerOptions> & { dataDir?: string } = {},
): Promise<FleetServer & { dataDir: string; port: number; databaseUrl: string | undefined }> {
  const dataDir = o.dataDir ?? tempDir('sync-fleet-');
  const databaseUrl = o.databaseUrl ?? (testDialect() === 'postgres' ? (await createTestDatabase()).url : undefined);
  const server = await startFleetServer({
    log: silentLogger,
    sweepIntervalMs: 0,
    notifications: { pollMs: 20, baseDelayMs: 50, maxDelayMs: 200 },
    ...o,
    ...(databaseUrl ? { databaseUrl } : {}),
    dataDir,
  });
  return Object.assign(server, { dataDir, port: Number(new URL(server.url).port), databaseUrl });
}

export interface Kiosk {
  core: KioskCore;
  dir: string;
  events: Array<{ event: EventName; payload: unknown }>;
  kioskId(): string;
  /** One API call; throws on an error result (the tests here expect success). */
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
  close(): Promise<void>;
}

/**
 * The real kiosk core (createKioskCore with a config from loadConfig, simulated board, SQLite in `dir`), its sync
 * pointed at `url`. The core's own sync is swapped for one with test-speed intervals.
 */
export async function startKiosk(o: { url: string; token?: string; dir?: string; layout?: string; sync?: CreateSyncOptions; clock?: Clock }): Promise<Kiosk> {
  const dir = o.dir ?? tempDir('sync-kiosk-');
  const config = loadConfig(['--data-dir', dir, '--server-url', o.url, ...(o.token ? ['--enrollment-token', o.token] : []), ...(o.layout ? ['--layout', o.layout] : [])], {});
  const core = await createKioskCore({ config, mode: 'host', version: '0.1.0-test', dataDir: dir, ...(o.clock ? { clock: o.clock } : {}) });
  // The core's own sync enrolls in its first cycle; closing it mid-request would spend the token with no kiosk to show
  // for it. Let that cycle finish first (it never rejects; a failure just leaves the kiosk unenrolled and offline).
  if (o.token) await core.ctx.sync.syncNow();
  await core.ctx.sync.close();
  core.ctx.sync = await createSync(core.ctx, { ...FAST_SYNC, ...o.sync });
  const events: Kiosk['events'] = [];
  core.on((event, payload) => void events.push({ event, payload }));
  return {
    core,
    dir,
    events,
    kioskId: () => core.ctx.kioskId(),
    call: (name, input) => callOrThrow(core, name, input),
    close: () => core.close(),
  };
}

export async function callOrThrow<N extends CallName>(core: KioskCore, name: N, input: CallInput<N>): Promise<CallOutput<N>> {
  const r = await core.call(name, input);
  if (!r.ok) throw new Error(`${name} failed: ${r.error.code} ${r.error.message}`);
  return r.value as CallOutput<N>;
}

export async function until<T>(fn: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export function localParcel(k: Kiosk, barcode: string) {
  return k.core.ctx.services.repos.parcels.latestByBarcode(barcode);
}

/**
 * Waits until the KIOSK has seen the door open (its journal says `opened`), not just the simulator: a person holds a
 * door open longer than one poll, and a door shut before the kiosk ever saw it open is, rightly, a jam.
 */
export async function seenOpen(core: KioskCore, operationId: string, what = operationId): Promise<void> {
  await until(() => core.ctx.services.operation(operationId)?.state === 'opened', 8000, `the kiosk to see ${what} open`);
}

/** A driver delivers `barcode`: scan, the door opens, the parcel goes in, the door closes. Returns the compartment. */
export async function deliver(k: Kiosk, sessionId: string, barcode: string): Promise<string> {
  const started = await k.call('dropoffScan', { sessionId, barcode });
  const id: string = started.where.compartmentId;
  const sim = k.core.ctx.simulator!;
  await seenOpen(k.core, started.operationId, `door ${id}`);
  sim.putItem(id);
  sim.closeDoor(id);
  await until(() => localParcel(k, barcode)?.status === 'deposited', 8000, `${barcode} deposited`);
  return id;
}

/** A customer picks up with `code`: the door opens, the parcel comes out, the door closes. */
export async function pickUp(k: Kiosk, code: string, barcode: string): Promise<void> {
  const r = await k.call('pickupSubmitCode', { code });
  const id: string = r.where.compartmentId;
  const sim = k.core.ctx.simulator!;
  await seenOpen(k.core, r.operationId, `door ${id}`);
  sim.removeItem(id);
  sim.closeDoor(id);
  await until(() => localParcel(k, barcode)?.status === 'picked_up', 8000, `${barcode} picked up`);
}

/** Reads the fleet server's database (SQLite or PostgreSQL): one statement with `?` placeholders. */
export function serverRows<T = Record<string, unknown>>(server: FleetServer, text: string, params: readonly unknown[] = []): Promise<T[]> {
  return server.query<T>(text, params);
}

/** The fleet server's suite already has a real SMTP sink on loopback; the sync tests use the same one. */
export { startSmtpSink, type Mail } from '../server/sinks';

/** The 6-digit codes e-mailed for `barcode` (first, re-issued, …), in the order the SMTP sink received them. */
export const codesIn = (mails: { raw: string }[], barcode: string) =>
  mails.map((m) => new RegExp(`code for parcel ${barcode} at locker \\S+ is ([0-9]{6})`).exec(m.raw.replace(/=\r?\n/g, ''))?.[1]).filter((c): c is string => !!c);
