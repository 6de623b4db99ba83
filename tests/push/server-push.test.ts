import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetServer } from '../../src-server/embedded';
import type { PushCredentials } from '../../src-shared/sync-protocol';
import { operator } from '../server/console-helpers';
import { TestKiosk, startTestServer, until, type Started } from '../server/helpers';

import { startBroker, type TestBroker } from './broker';

/**
 * The fleet server's side of push (ADR mqtt-push) against a real Mosquitto 2 with dynamic security: the enroll answer
 * carries the kiosk's own broker account, the broker's ACL holds each kiosk to its own topics, a commit that changes a
 * kiosk's manifest pings it, and the kiosk's last will marks it offline on the fleet at once.
 */
describe('push: fleet server and broker', () => {
  let broker: TestBroker;
  let started: Started;
  let server: FleetServer;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    broker = await startBroker();
    started = await startTestServer({ push: { url: broker.url, username: broker.adminUser, password: broker.adminPassword, coalesceMs: 10 } });
    server = started.server;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await started?.stop();
    await broker?.dispose();
  });

  /** A kiosk's broker connection with its enrollment's account (what src-main/sync/push.ts does). */
  async function connectAs(p: PushCredentials, o: { clientId?: string; willTopic?: string } = {}): Promise<MqttClient> {
    const c = await mqtt.connectAsync(p.url, {
      protocolVersion: 4,
      clientId: o.clientId ?? p.username,
      username: p.username,
      password: p.password,
      reconnectPeriod: 0,
      will: { topic: o.willTopic ?? p.presenceTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    clients.push(c);
    return c;
  }

  async function enrollWithPush(): Promise<TestKiosk & { push: PushCredentials }> {
    const k = await TestKiosk.enroll(server);
    expect(k.creds.push).toBeDefined();
    return Object.assign(k, { push: k.creds.push! });
  }

  it('the enroll answer carries the kiosk’s own account; the password is stored nowhere in the fleet database', async () => {
    const k = await enrollWithPush();
    expect(k.push).toMatchObject({ url: broker.url, username: k.id, pingTopic: `lk/fleet/kiosks/${k.id}/ping`, presenceTopic: `lk/fleet/kiosks/${k.id}/presence` });
    // Admin credentials never go to kiosks.
    expect(k.push.url).not.toContain(broker.adminPassword);
    const rows = await server.query<Record<string, unknown>>('SELECT * FROM kiosks WHERE id = ?', [k.id]);
    expect(JSON.stringify(rows)).not.toContain(k.push.password);
    // It works: the broker knows this account.
    const c = await connectAs(k.push);
    expect(c.connected).toBe(true);
  });

  it('a kiosk may subscribe to its own ping topic only, and may not speak for another kiosk', async () => {
    const a = await enrollWithPush();
    const b = await enrollWithPush();
    const ca = await connectAs(a.push);
    await expect(ca.subscribeAsync(a.push.pingTopic)).resolves.toBeDefined();
    // Another kiosk's topic, and a wildcard that would cover it: SUBACK 0x80 from the broker.
    await expect(ca.subscribeAsync(b.push.pingTopic)).rejects.toMatchObject({ packet: { granted: [128] } });
    await expect(ca.subscribeAsync('lk/fleet/kiosks/+/ping')).rejects.toMatchObject({ packet: { granted: [128] } });
    await expect(ca.subscribeAsync('#')).rejects.toMatchObject({ packet: { granted: [128] } });

    // Publishing B's presence: the broker drops it (MQTT 3.1.1 has no publish refusal), so the fleet never hears it.
    // A's own presence, published after it on the same connection, arrives: the order proves the first was dropped.
    await ca.publishAsync(b.push.presenceTopic, 'online', { qos: 1, retain: true });
    await ca.publishAsync(a.push.presenceTopic, 'online', { qos: 1, retain: true });
    await until(async () => (await server.fleet()).find((k) => k.kioskId === a.id)?.presence === 'online', 5000, 'A online');
    expect((await server.fleet()).find((k) => k.kioskId === b.id)?.presence).toBeNull();

    // B's account with another client id: the broker refuses the connection.
    await expect(connectAs(b.push, { clientId: 'someone-else' })).rejects.toThrow(/Not authorized|Bad username/i);
    // B leaving a last will on A's presence and dropping: the broker does not publish it. B's own presence, published
    // by its next connection, arrives; A is still online.
    const sneaky = await connectAs(b.push, { willTopic: a.push.presenceTopic });
    sneaky.stream.destroy();
    const cb = await connectAs(b.push);
    await cb.publishAsync(b.push.presenceTopic, 'online', { qos: 1, retain: true });
    await until(async () => (await server.fleet()).find((k) => k.kioskId === b.id)?.presence === 'online', 5000, 'B online');
    expect((await server.fleet()).find((k) => k.kioskId === a.id)?.presence).toBe('online');
    // And A's password is not B's.
    await expect(connectAs({ ...b.push, password: a.push.password })).rejects.toThrow(/Not authorized|Bad username/i);
  });

  it('a shipment created for a kiosk pings it after the commit; the ping carries no data', async () => {
    const k = await enrollWithPush();
    const c = await connectAs(k.push);
    await c.subscribeAsync(k.push.pingTopic);
    const pings: string[] = [];
    c.on('message', (_t, payload) => pings.push(payload.toString()));
    const t0 = performance.now();
    await Promise.all(['PUSH-1', 'PUSH-2', 'PUSH-3'].map((barcode) => server.createShipment({ barcode, size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } })));
    await until(() => pings.length > 0, 5000, 'a ping');
    console.log(`push: intake → ping at the kiosk in ${(performance.now() - t0).toFixed(1)} ms (three intakes)`);
    expect(JSON.parse(pings[0]!)).toEqual({ kind: 'manifest' });
    // The ping says nothing about the parcel: the kiosk pulls over HTTP, which has all three by now.
    expect(pings[0]).not.toContain('PUSH-1');
    const page = await k.manifest();
    expect(page.body.expected.map((e: { barcode: string }) => e.barcode).sort()).toEqual(['PUSH-1', 'PUSH-2', 'PUSH-3']);
    // A cancel is a manifest change too.
    const before = pings.length;
    await server.cancelShipment('PUSH-2');
    await until(() => pings.length > before, 5000, 'a ping for the cancellation');
  });

  it('a badge revocation reaches every kiosk by one broadcast ping', async () => {
    const k = await enrollWithPush();
    const c = await connectAs(k.push);
    await c.subscribeAsync(k.push.broadcastTopic);
    const got: string[] = [];
    c.on('message', (t) => got.push(t));
    const badge = await server.issueBadge({ role: 'driver', name: 'Gone' });
    await server.revokeBadge(badge.badgeId);
    await until(() => got.includes(k.push.broadcastTopic), 5000, 'the broadcast ping');
  });

  it('presence: the kiosk’s connection dropping marks it offline on the fleet at once (last will)', async () => {
    const k = await enrollWithPush();
    await k.heartbeat({ S: 4, M: 3, L: 2, XL: 1 });
    const c = await connectAs(k.push);
    await c.publishAsync(k.push.presenceTopic, 'online', { qos: 1, retain: true });
    const mine = async () => (await server.fleet()).find((x) => x.kioskId === k.id)!;
    await until(async () => (await mine()).presence === 'online', 5000, 'presence online');
    expect((await mine()).online).toBe(true);

    const t0 = performance.now();
    c.stream.destroy(); // the kiosk's PC loses power or its network: no DISCONNECT, the broker publishes the will
    await until(async () => (await mine()).presence === 'offline', 5000, 'presence offline');
    console.log(`push: connection dropped → offline on the fleet in ${(performance.now() - t0).toFixed(1)} ms`);
    // The heartbeat is seconds old, yet the fleet says offline now, not after the 90 s heartbeat window.
    const now = await mine();
    expect(now.heartbeatAgeMs!).toBeLessThan(90_000);
    expect(now.online).toBe(false);
    // What the operator console shows (the fleet page moved behind sign-in, issue 12).
    const list = await (await operator(server, 'support')).get('/console/api/kiosks');
    expect(list.body.kiosks.find((x: { kioskId: string }) => x.kioskId === k.id)).toMatchObject({ presence: 'offline', online: false });
  });
});
