/**
 * One scenario of bench/fleet-cluster.ts (helper: run-all skips `_` files): start the fleet (N instances behind
 * HAProxy on one PostgreSQL database, or the embedded single process), enroll the kiosks, run the load with carrier
 * intake, kill and restart instance 1 (cluster only), drain, count what the store holds, and return the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestBroker } from '../tests/push/broker';
import { CpuMeter, freePort, spawnFleet, startHaproxy, type FleetInstance } from './_cluster-infra';
import { Http, SimKiosk, type FleetStats } from './_cluster-kiosks';

export interface ScenarioConfig {
  kiosks: number;
  seconds: number;
  /** Shipments per second through the carrier API. */
  shipRate: number;
  /** Time compression of the kiosks' intervals (10: heartbeat 6 s instead of 60 s). */
  scale: number;
  instances: number;
  databaseUrl?: string;
  broker: TestBroker;
  sms: { url: string; messages: unknown[] };
  /** Processes besides the fleet servers whose CPU counts (PostgreSQL). */
  extraPids: () => number[];
}

export interface StoreCounts {
  events: number;
  manifestExpected: number;
  notesQueued: number;
  notesSent: number;
}

const ADMIN_KEY = 'bench-cluster-admin-key-0123456789';
const KILL_AT = 10_000;
const RESTART_AT = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ok = (s: number) => s >= 200 && s < 300;

export async function runScenario(name: 'cluster' | 'embedded', c: ScenarioConfig, count: (dataDir?: string) => Promise<StoreCounts>): Promise<{ figures: Record<string, string>; notes: string[] }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  const keysDir = path.join(tmp, 'keys');
  const ports = await Promise.all(Array.from({ length: c.instances }, () => freePort()));
  const args = (i: number) => [
    '--port', String(ports[i]), '--data-dir', path.join(tmp, `data${i + 1}`), '--keys-dir', keysDir, '--admin-key', ADMIN_KEY,
    '--sms-url', c.sms.url, '--mqtt-url', c.broker.url, '--mqtt-username', c.broker.adminUser, '--trust-proxy', '127.0.0.1', '--undelivered-days', '0',
    ...(c.databaseUrl ? ['--database-url', c.databaseUrl] : []),
  ];
  const env = { FLEET_MQTT_PASSWORD: c.broker.adminPassword };
  const t0 = performance.now();
  // All at once on an empty database and an empty keys dir: they must end up with one set of keys (issue 11).
  const inst: FleetInstance[] = await Promise.all(ports.map((_, i) => spawnFleet(args(i), env)));
  const lb = c.instances > 1 ? await startHaproxy(ports) : null;
  const base = lb?.url ?? inst[0]!.url;
  const startupS = (performance.now() - t0) / 1000;

  const pids = () => [...inst.map((x) => x.child.pid!), ...c.extraPids()];
  const serverCpu = new CpuMeter(() => inst.map((x) => x.child.pid!));
  const stackCpu = new CpuMeter(() => [...pids(), ...(lb ? [lb.pid()] : [])]);

  const httpc = new Http(base, 128);
  const stats: FleetStats = { eventsAcked: new Set(), applied: new Map(), seqGaps: 0, pings: 0, mqttConnected: 0 };
  const timing = { heartbeatMs: 60_000 / c.scale, safetyPullMs: 300_000 / c.scale, depositAfterMs: 1_000, pickupAfterMs: 3_000 };
  const kiosks = Array.from({ length: c.kiosks }, (_, n) => new SimKiosk(n + 1, httpc, stats, timing));
  const te = performance.now();
  for (let i = 0; i < kiosks.length; i += 25) await Promise.all(kiosks.slice(i, i + 25).map((k) => k.enroll(ADMIN_KEY)));
  const enrollS = (performance.now() - te) / 1000;
  for (let i = 0; i < 100 && stats.mqttConnected < c.kiosks; i++) await sleep(100);
  const connectedAtStart = stats.mqttConnected;
  const enrollMs = httpc.samples.filter((s) => s.route === 'enroll').map((s) => s.ms);
  httpc.samples.length = 0;

  // --- the run
  serverCpu.reset();
  stackCpu.reset();
  const start = performance.now();
  const end = start + c.seconds * 1000;
  for (const k of kiosks) k.start();
  const created = new Map<string, number>(); // parcelId → performance.now() at the 201
  const intake = (async () => {
    let i = 0;
    while (performance.now() < end) {
      const due = start + (i * 1000) / c.shipRate;
      if (due > performance.now()) await sleep(due - performance.now());
      const k = kiosks[Math.floor(Math.random() * kiosks.length)]!;
      const n = i++;
      const body = JSON.stringify({ barcode: `BN-${name}-${n}`, size: 'S', kioskId: k.id, recipient: { phone: `+4850${String(1_000_000 + n).slice(-7)}` } });
      void httpc.request('shipment', 'POST', '/v1/shipments', { authorization: `Bearer ${ADMIN_KEY}` }, body).then((r) => {
        if (r.status === 201) created.set(JSON.parse(r.text).parcelId, performance.now());
      });
    }
  })();
  const states: { at: number; s1: string }[] = [];
  let killedAt = 0;
  let restartedAt = 0;
  const sampler = setInterval(() => {
    serverCpu.sample();
    stackCpu.sample();
    if (lb) void lb.states().then((s) => states.push({ at: performance.now(), s1: s.find((b) => b.name === 's1')?.status ?? '?' }), () => undefined);
  }, 100);
  if (c.instances > 1) {
    await sleep(start + KILL_AT - performance.now());
    serverCpu.sample();
    stackCpu.sample();
    inst[0]!.child.kill('SIGKILL');
    killedAt = performance.now();
    await sleep(start + RESTART_AT - performance.now());
    restartedAt = performance.now();
    inst[0] = await spawnFleet(args(0), env);
  }
  await intake;
  await sleep(Math.max(0, end - performance.now()));
  const elapsed = (performance.now() - start) / 1000;
  for (const k of kiosks) k.stop();
  const runSamples = httpc.samples.filter((s) => s.at <= end);
  serverCpu.sample();
  stackCpu.sample();
  const serverCpuS = serverCpu.total();
  const stackCpuS = stackCpu.total();

  // --- drain: deposits and pickups still due, outboxes, a last pull each, notifications sent
  await sleep(timing.depositAfterMs + timing.pickupAfterMs + 500);
  for (let i = 0; i < 100 && kiosks.some((k) => k.pendingEvents > 0); i++) await sleep(200);
  for (let i = 0; i < kiosks.length; i += 50) await Promise.all(kiosks.slice(i, i + 50).map((k) => k.pull()));
  let counts = await count(c.databaseUrl ? undefined : path.join(tmp, 'data1'));
  for (let i = 0; i < 60 && counts.notesSent < counts.notesQueued; i++) {
    await sleep(500);
    counts = await count(c.databaseUrl ? undefined : path.join(tmp, 'data1'));
  }
  clearInterval(sampler);

  // --- figures
  const figures: Record<string, string> = {};
  const notes: string[] = [];
  const all = runSamples;
  const f = (n: number, d = 0) => n.toFixed(d);
  figures['startup (instances ready, s)'] = f(startupS, 1);
  figures['enroll (ms p50 / p99; all)'] = `${f(pct(enrollMs, 50), 1)} / ${f(pct(enrollMs, 99), 1)}; ${f(enrollS, 1)} s`;
  figures['MQTT connected at start'] = `${connectedAtStart}/${c.kiosks}`;
  figures['req/s (all answers)'] = f(all.length / elapsed);
  const evPerS = [...stats.eventsAcked].length / elapsed;
  figures['events/s acked'] = f(evPerS, 1);
  for (const route of ['heartbeat', 'manifest', 'events', 'shipment']) {
    const xs = all.filter((s) => s.route === route).map((s) => s.ms);
    figures[`${route} n, p50 / p99 ms`] = `${xs.length}, ${f(pct(xs, 50), 1)} / ${f(pct(xs, 99), 1)}`;
  }
  const bad = all.filter((s) => !ok(s.status));
  const byKind = new Map<string, number>();
  for (const s of bad) byKind.set(`${s.route} ${s.status || 'reset'}`, (byKind.get(`${s.route} ${s.status || 'reset'}`) ?? 0) + 1);
  figures['non-2xx answers'] = bad.length ? `${bad.length}: ${[...byKind].map(([k, n]) => `${k}×${n}`).join(', ')}` : '0';
  if (killedAt) {
    const down = states.find((s) => s.at > killedAt && s.s1.startsWith('DOWN'));
    const up = states.find((s) => s.at > restartedAt && s.s1 === 'UP');
    const first200 = httpc.samples.find((s) => s.at > restartedAt && s.backend === 's1' && ok(s.status));
    const lastBad = bad.filter((s) => s.at >= killedAt).at(-1);
    figures['kill → LB marks s1 DOWN (ms)'] = down ? f(down.at - killedAt) : '?';
    figures['restart → s1 UP / first 2xx (ms)'] = `${up ? f(up.at - restartedAt) : '?'} / ${first200 ? f(first200.at - restartedAt) : '?'}`;
    figures['errors after kill: window (ms)'] = lastBad ? `${bad.filter((s) => s.at >= killedAt).length} in ${f(lastBad.at - killedAt)}` : '0';
  }
  figures['events acked vs stored'] = `${stats.eventsAcked.size} / ${counts.events} (${counts.events === stats.eventsAcked.size ? 'each once' : 'MISMATCH'})`;
  const appliedCreated = [...created.keys()].filter((p) => stats.applied.has(p)).length;
  figures['manifest created / applied / gaps'] = `${counts.manifestExpected} / ${stats.applied.size} (of ${created.size} intake 201s: ${appliedCreated}) / ${stats.seqGaps}`;
  const lag = [...created].filter(([p]) => stats.applied.has(p)).map(([p, t]) => Math.max(0, stats.applied.get(p)! - t));
  figures['shipment → kiosk has it, p50/p99 ms'] = `${f(pct(lag, 50))} / ${f(pct(lag, 99))}`;
  figures['MQTT pings received'] = String(stats.pings);
  figures['SMS queued / sent / at gateway'] = `${counts.notesQueued} / ${counts.notesSent} / ${c.sms.messages.length}`;
  const kioskMin = (c.kiosks * elapsed) / 60;
  figures['fleet-server CPU-s (per 1k bench kiosk-min)'] = `${f(serverCpuS, 1)} (${f((serverCpuS / kioskMin) * 1000, 1)})`;
  figures['+PG/HAProxy CPU-s (per 1k kiosk-min)'] = `${f(stackCpuS, 1)} (${f((stackCpuS / kioskMin) * 1000, 1)})`;
  figures['CPU-ms per request (servers / stack)'] = `${f((serverCpuS * 1000) / all.length, 2)} / ${f((stackCpuS * 1000) / all.length, 2)}`;
  notes.push(`${name}: ${c.kiosks} kiosks, ${elapsed.toFixed(1)} s, ${c.shipRate} shipments/s offered; requests per bench kiosk-minute ${f(all.length / kioskMin, 2)}`);

  // --- tear down
  await Promise.all(kiosks.map((k) => k.closeMqtt()));
  httpc.close();
  lb?.stop();
  await Promise.all(
    inst.map(
      (x) =>
        new Promise<void>((r) => {
          if (x.child.exitCode !== null || x.child.signalCode) return r();
          x.child.once('exit', () => r());
          x.child.kill('SIGTERM');
        }),
    ),
  );
  fs.rmSync(tmp, { recursive: true, force: true });
  return { figures, notes };
}
