import { afterEach, describe, expect, it } from 'vitest';
import { SyncClient } from '../../src-main/sync/client';
import type { CreateSyncOptions } from '../../src-main/sync/index';
import { deliver, localParcel, startKiosk, startServer, until, type Kiosk } from '../sync/helpers';
import { startBroker, type TestBroker } from './broker';

/**
 * The kiosk's side of push (ADR mqtt-push): the real kiosk core and sync client, the real fleet server on loopback,
 * a real Mosquitto. Intervals are set so that a poll cannot explain what the test sees: when a parcel arrives, a ping
 * brought it.
 */
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

const MINUTES = 600_000;
/** Push mode with nothing timer-driven inside a test's span: no poll, no safety pull, no heartbeat cycle. */
const PUSH_ONLY: CreateSyncOptions = {
  intervalMs: MINUTES,
  pushHeartbeatMs: MINUTES,
  pushSafetyPullMs: MINUTES,
  push: { reconnectMs: 100, keepaliveS: 30, connectTimeoutMs: 2_000, refusedRetryMs: 200 },
};

async function fleetWithBroker(o: { brokerDown?: boolean } = {}): Promise<{ broker: TestBroker; server: Awaited<ReturnType<typeof startServer>> }> {
  const broker = await startBroker();
  cleanup.push(() => broker.dispose());
  if (o.brokerDown) await broker.stop();
  const server = await startServer({ push: { url: broker.url, username: broker.adminUser, password: broker.adminPassword, coalesceMs: 5, enrollWaitMs: 100 } });
  cleanup.push(() => server.close());
  return { broker, server };
}

function client(k: Kiosk): SyncClient {
  const c = k.core.ctx.sync;
  if (!(c instanceof SyncClient)) throw new Error('expected the kiosk to sync with a configured server');
  return c;
}

async function kioskOn(server: { url: string; createEnrollmentToken(): Promise<string> }, sync: CreateSyncOptions): Promise<Kiosk> {
  const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken(), sync });
  cleanup.push(() => k.close());
  return k;
}

describe('push: the kiosk', () => {
  it('a shipment reaches a connected kiosk by push, with no poll in between', async () => {
    const { server } = await fleetWithBroker();
    const k = await kioskOn(server, PUSH_ONLY);
    await until(() => client(k).pushConnected(), 10_000, 'the kiosk on the broker');
    // The pull that follows connecting is done (it is what a kiosk does after missing pings): from now on only a ping
    // can bring anything in.
    await until(() => k.core.ctx.sync.status().status === 'online', 10_000, 'the first cycle');
    await until(async () => (await server.fleet()).find((f) => f.kioskId === k.kioskId())?.presence === 'online', 10_000, 'presence online');

    const t0 = performance.now();
    await server.createShipment({ barcode: 'PUSH-000001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    await until(() => localParcel(k, 'PUSH-000001'), 10_000, 'the parcel at the kiosk');
    console.log(`push: intake → parcel in the kiosk's store in ${(performance.now() - t0).toFixed(0)} ms (polling every 10 min)`);
    expect(localParcel(k, 'PUSH-000001')).toMatchObject({ status: 'expected', size: 'S' });
  });

  it('broker down: the kiosk polls and nothing is lost; broker back: push again', async () => {
    const { broker, server } = await fleetWithBroker();
    // Polling, when it happens, is fast here; push mode's own timers are not.
    const k = await kioskOn(server, { ...PUSH_ONLY, intervalMs: 300, backoffBaseMs: 50, backoffCapMs: 400 });
    await until(() => client(k).pushConnected(), 10_000, 'the kiosk on the broker');

    await broker.stop();
    await until(() => !client(k).pushConnected(), 10_000, 'the kiosk to notice the broker is gone');
    // A shipment made now reaches the kiosk by polling; its deposit reaches the server.
    await server.createShipment({ barcode: 'POLL-000001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    await until(() => localParcel(k, 'POLL-000001'), 10_000, 'the parcel by polling');
    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const session = await k.call('authBadge', { badge: driver.token });
    await deliver(k, session.sessionId, 'POLL-000001');
    await until(async () => (await server.parcel('POLL-000001'))?.status === 'deposited', 10_000, 'the deposit at the server');

    await broker.start();
    await until(() => client(k).pushConnected(), 15_000, 'the kiosk back on the broker');
    // The server is back too (it hears the kiosk's presence again), and the kiosk's reconnect pull is done.
    await until(async () => (await server.fleet()).find((f) => f.kioskId === k.kioskId())?.presence === 'online', 15_000, 'presence online again');
    const pullsAfterReconnect = await until(() => (client(k).stats().pulls > 0 ? client(k).stats().pulls : 0), 10_000, 'the reconnect pull');
    await until(() => client(k).stats().scheduledMs === MINUTES, 10_000, 'push mode timers');

    await server.createShipment({ barcode: 'PUSH-000002', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    await until(() => localParcel(k, 'PUSH-000002'), 10_000, 'the parcel by push');
    expect(client(k).stats().pulls).toBeGreaterThan(pullsAfterReconnect);
    // Nothing lost: every event the kiosk queued is at the server, each once.
    await until(() => k.core.ctx.sync.status().outboxDepth === 0, 10_000, 'an empty outbox');
    expect(await server.eventCount(k.kioskId())).toBeGreaterThanOrEqual(1);
  });
});

describe('push: a ping that never comes', () => {
  it('the next heartbeat says the manifest has news and the kiosk pulls', async () => {
    const { server } = await fleetWithBroker();
    // Heartbeats fast, safety pull and polling at 10 min: only the heartbeat's manifestPending can bring it in.
    const k = await kioskOn(server, { ...PUSH_ONLY, pushHeartbeatMs: 300 });
    await until(() => client(k).pushConnected(), 10_000, 'the kiosk on the broker');
    await until(() => client(k).stats().scheduledMs === 300, 10_000, 'push mode timers');
    // A second instance on the same store with no broker configured: its intake pings nobody (a lost ping).
    const quiet = await startServer({ dataDir: server.dataDir, ...(server.databaseUrl ? { databaseUrl: server.databaseUrl } : {}) });
    cleanup.push(() => quiet.close());
    await quiet.createShipment({ barcode: 'LOST-000001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    await until(() => localParcel(k, 'LOST-000001'), 10_000, 'the parcel after a heartbeat');
  });
});

describe('push: a kiosk enrolled while the broker was down', () => {
  it('polls, then pushes once the broker is back and the server has provisioned its account', async () => {
    const { broker, server } = await fleetWithBroker({ brokerDown: true });
    const k = await kioskOn(server, { ...PUSH_ONLY, intervalMs: 300 });
    // It has an account (the enroll answer carried it) the broker has never heard of; it polls meanwhile.
    await server.createShipment({ barcode: 'LATE-000001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    await until(() => localParcel(k, 'LATE-000001'), 10_000, 'the parcel by polling');
    expect(client(k).pushConnected()).toBe(false);

    // The broker comes back: the server's reconnect provisions every kiosk the broker lacks; the kiosk, refused until
    // then, tries again and connects.
    await broker.start();
    await until(() => client(k).pushConnected(), 20_000, 'the kiosk on the broker');
    await until(() => client(k).stats().scheduledMs === MINUTES, 10_000, 'push mode timers');
    await server.createShipment({ barcode: 'LATE-000002', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    await until(() => localParcel(k, 'LATE-000002'), 10_000, 'the parcel by push');
  });
});

describe('a driver scans a barcode the kiosk has not heard of yet', () => {
  it('the kiosk looks online before saying UNKNOWN_PARCEL, so a shipment created seconds ago is found', async () => {
    // No broker at all, and polling only every 10 minutes: only the lookup can find it.
    const server = await startServer();
    cleanup.push(() => server.close());
    const k = await kioskOn(server, { intervalMs: MINUTES });
    await until(() => k.core.ctx.sync.status().status === 'online', 10_000, 'the first cycle');

    await server.createShipment({ barcode: 'FRESH-000001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    expect(localParcel(k, 'FRESH-000001')).toBeFalsy();
    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const session = await k.call('authBadge', { badge: driver.token });
    await deliver(k, session.sessionId, 'FRESH-000001');
    expect(localParcel(k, 'FRESH-000001')).toMatchObject({ status: 'deposited' });

    // A barcode nobody announced is still UNKNOWN_PARCEL, after the same lookup.
    const r = await k.core.call('dropoffScan', { sessionId: session.sessionId, barcode: 'NOBODY-000001' });
    expect(r.ok ? null : r.error.code).toBe('UNKNOWN_PARCEL');
  });
});
