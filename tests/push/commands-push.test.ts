import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncClient } from '../../src-main/sync/client';
import type { CreateSyncOptions } from '../../src-main/sync/index';
import { operator } from '../server/console-helpers';
import { startKiosk, startServer, until, type Kiosk } from '../sync/helpers';
import { startBroker } from './broker';

/**
 * Remote commands over push (issue 12; ADR 0012 mqtt-push, ADR 0017 remote-commands): a real Mosquitto with dynamic
 * security, the real fleet server, the real kiosk core and sync client. Every timer of the kiosk's (poll, heartbeat,
 * safety pull) is ten minutes, so a command run within seconds can only have been brought by the MQTT ping.
 */
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

const MINUTES = 600_000;
const PUSH_ONLY: CreateSyncOptions = {
  intervalMs: MINUTES,
  pushHeartbeatMs: MINUTES,
  pushSafetyPullMs: MINUTES,
  push: { reconnectMs: 100, keepaliveS: 30, connectTimeoutMs: 2_000, refusedRetryMs: 200 },
};

function syncClient(k: Kiosk): SyncClient {
  const c = k.core.ctx.sync;
  if (!(c instanceof SyncClient)) throw new Error('expected the kiosk to sync with a configured server');
  return c;
}

async function setup() {
  const broker = await startBroker();
  cleanup.push(() => broker.dispose());
  const server = await startServer({ push: { url: broker.url, username: broker.adminUser, password: broker.adminPassword, coalesceMs: 5, enrollWaitMs: 100 } });
  cleanup.push(() => server.close());
  const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken(), sync: PUSH_ONLY });
  cleanup.push(() => k.close());
  await until(() => syncClient(k).pushConnected(), 10_000, 'the kiosk on the broker');
  // The pull after connecting is done and push mode's ten-minute timers are set: nothing timer-driven comes next.
  await until(() => syncClient(k).stats().scheduledMs === MINUTES, 10_000, 'push mode timers');
  // A listener on the kiosk's ping topic, as the broker's admin (dynsec's admin role may subscribe anywhere).
  const listener: MqttClient = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'test-listener', username: broker.adminUser, password: broker.adminPassword, reconnectPeriod: 0 });
  cleanup.push(() => listener.endAsync(true));
  const pings: string[] = [];
  listener.on('message', (_t, payload) => pings.push(payload.toString()));
  await listener.subscribeAsync(`lk/fleet/kiosks/${k.kioskId()}/ping`, { qos: 1 });
  const admin = await operator(server, 'admin');
  const status = async (commandId: string): Promise<string | undefined> =>
    ((await admin.get(`/console/api/kiosks/${k.kioskId()}`)).body.commands as Array<{ commandId: string; status: string }>).find((c) => c.commandId === commandId)?.status;
  return { k, admin, pings, status };
}

describe('remote commands over push', () => {
  it('a door-open command is announced on the kiosk’s ping topic and the kiosk runs it within seconds, not at its 10-minute poll', async () => {
    const { k, admin, pings, status } = await setup();
    const pullsBefore = syncClient(k).stats().pulls;

    const t0 = performance.now();
    const r = await admin.send('POST', `/console/api/kiosks/${k.kioskId()}/door-open`, { compartmentId: 'A02', reason: 'customer locked out', confirm: true });
    expect(r.status).toBe(201);
    await until(() => pings.length > 0, 10_000, 'the ping on the kiosk’s topic');
    // The ping names no command and carries no token: the kiosk fetches it over the signed HTTP path.
    expect(JSON.parse(pings[0]!)).toEqual({ kind: 'commands' });
    expect(pings[0]).not.toContain(r.body.commandId);

    await until(() => k.core.ctx.simulator!.door('A02').open, 10_000, 'door A02 to open');
    const opened = performance.now() - t0;
    await until(async () => (await status(r.body.commandId)) === 'executed', 10_000, 'the server to hear the kiosk’s result');
    console.log(`push: console door-open → door open at the kiosk in ${opened.toFixed(0)} ms, result at the server in ${(performance.now() - t0).toFixed(0)} ms (kiosk timers at 10 min)`);
    expect(syncClient(k).stats().pulls).toBeGreaterThan(pullsBefore);
    expect(syncClient(k).stats().scheduledMs).toBe(MINUTES); // still push mode: no poll brought it
  });

  it('taking a compartment out of service reaches the kiosk by push: it stops offering it', async () => {
    const { k, admin, pings, status } = await setup();
    const before = k.core.ctx.services.repos.compartments.get('A05')!;
    expect(before.inService).toBe(true);

    const r = await admin.send('POST', `/console/api/kiosks/${k.kioskId()}/compartment-service`, { compartmentId: 'A05', inService: false, reason: 'door sticks' });
    expect(r.status).toBe(201);
    await until(() => pings.some((p) => JSON.parse(p).kind === 'commands'), 10_000, 'the commands ping');
    await until(() => k.core.ctx.services.repos.compartments.get('A05')!.inService === false, 10_000, 'A05 out of service at the kiosk');
    await until(async () => (await status(r.body.commandId)) === 'executed', 10_000, 'the server to hear the kiosk’s result');
    // The kiosk's grid at the server says so too (the kiosk heartbeats right after running commands).
    await until(
      async () => ((await admin.get(`/console/api/kiosks/${k.kioskId()}`)).body.compartments as Array<{ id: string; status: string }> | null)?.find((c) => c.id === 'A05')?.status === 'out_of_service',
      10_000,
      'the console grid showing A05 out of service',
    );
  });
});
