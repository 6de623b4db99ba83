/**
 * Fleet load: N simulated kiosks (default 1,000) heartbeating and pushing event batches against one fleet server
 * (its own process, `src-server/main.ts`) on loopback. Prints requests/s, events/s and latency percentiles.
 * Figures, not assertions. Usage: tsx bench/fleet-load.ts [--kiosks 1000] [--seconds 15] [--batch 5] [--sockets 128] [--rate 600]
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { benchArgs } from './_cli';
import { signRequest } from '../src-common/signing';
import type { EnrollResponse, SyncEvent } from '../src-shared/sync-protocol';
import { spawnFleetServer } from './_fleet-process';

const values = benchArgs({
  kiosks: { type: 'string', default: '1000' },
  seconds: { type: 'string', default: '15' },
  batch: { type: 'string', default: '5' },
  sockets: { type: 'string', default: '128' },
  rate: { type: 'string', default: '600' },
}, 'usage: npx tsx bench/fleet-load.ts [--kiosks 1000] [--seconds 15] [--batch 5] [--sockets 128] [--rate 600]');
const KIOSKS = Number(values.kiosks);
const SECONDS = Number(values.seconds);
const BATCH = Number(values.batch);
const RATE = Number(values.rate);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-'));
const adminKey = 'bench-admin-key-0123456789';
const { url, child } = await spawnFleetServer(dataDir, adminKey);
const { hostname, port } = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(values.sockets) });

function request(method: string, p: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: p, agent, headers: body ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// Enroll the fleet (not timed as load).
const t0 = performance.now();
const kiosks: { id: string; secret: Buffer }[] = [];
const enrollOne = async () => {
  const tok = await request('POST', '/v1/enrollment-tokens', { authorization: `Bearer ${adminKey}` }, '{}');
  const { enrollmentToken } = JSON.parse(tok.text);
  const r = await request('POST', '/v1/kiosks/enroll', {}, JSON.stringify({ enrollmentToken, capacity: { S: 20, M: 12, L: 6, XL: 2 }, version: 'bench' }));
  const c = JSON.parse(r.text) as EnrollResponse;
  kiosks.push({ id: c.kioskId, secret: Buffer.from(c.kioskSecret, 'base64') });
};
for (let i = 0; i < KIOSKS; i += 50) await Promise.all(Array.from({ length: Math.min(50, KIOSKS - i) }, enrollOne));
console.log(`enrolled ${kiosks.length} kiosks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

let errors = 0;

function signed(k: { id: string; secret: Buffer }, method: string, p: string, body?: string) {
  return request(method, p, signRequest({ kioskId: k.id, secret: k.secret, method, path: p, ...(body ? { body } : {}) }), body);
}

function batch(): SyncEvent[] {
  const now = new Date().toISOString();
  return Array.from({ length: BATCH }, (_, i): SyncEvent =>
    i % 2 === 0
      ? { id: randomUUID(), type: 'door.left_open', occurredAt: now, payload: { compartmentId: 'A01', openForMs: 1000 } }
      : { id: randomUUID(), type: 'parcel.picked_up', occurredAt: now, payload: { barcode: 'BENCH-0001', compartmentId: 'A02' } },
  );
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Each kiosk loops heartbeat → events batch → manifest pull. rate = null: closed loop, as fast as the server
 * answers (throughput; latency there is mostly queueing). rate = R: each kiosk paces its cycle so the fleet offers
 * about R requests/s (latency under a given load).
 */
async function phase(name: string, seconds: number, rate: number | null): Promise<number> {
  const lat: Record<string, number[]> = { heartbeat: [], events: [], manifest: [] };
  let eventsSent = 0;
  const timed = async (kind: string, f: () => Promise<{ status: number }>) => {
    const s = performance.now();
    const r = await f();
    lat[kind]!.push(performance.now() - s);
    if (r.status !== 200) errors++;
  };
  const cycleMs = rate === null ? 0 : (KIOSKS * 3 * 1000) / rate;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    kiosks.map(async (k, n) => {
      let cursor = '0';
      if (cycleMs) await sleep(Math.random() * cycleMs);
      while (performance.now() < end) {
        const cycleStart = performance.now();
        await timed('heartbeat', () =>
          signed(k, 'POST', `/v1/kiosks/${k.id}/heartbeat`, JSON.stringify({ freeBySize: { S: 10, M: 6, L: 3, XL: 1 }, faults: [], outboxDepth: n % 7, version: 'bench', cursor })),
        );
        await timed('events', () => signed(k, 'POST', `/v1/kiosks/${k.id}/events`, JSON.stringify({ events: batch() })));
        eventsSent += BATCH;
        await timed('manifest', async () => {
          const r = await signed(k, 'GET', `/v1/kiosks/${k.id}/manifest?cursor=${cursor}`);
          if (r.status === 200) cursor = JSON.parse(r.text).nextCursor;
          return r;
        });
        if (cycleMs) await sleep(Math.max(0, cycleMs - (performance.now() - cycleStart)));
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const all = Object.values(lat).flat();
  console.log(`${name}: ${KIOSKS} kiosks, ${elapsed.toFixed(1)} s${rate ? `, offered ~${rate} req/s` : ', closed loop'}, batches of ${BATCH} events`);
  console.log(`  total     ${String(all.length).padStart(6)} requests  ${(all.length / elapsed).toFixed(0).padStart(5)} req/s  p50 ${pct(all, 50).toFixed(1)} ms  p99 ${pct(all, 99).toFixed(1)} ms`);
  for (const [kind, xs] of Object.entries(lat)) {
    console.log(`  ${kind.padEnd(9)} ${String(xs.length).padStart(6)} requests  ${(xs.length / elapsed).toFixed(0).padStart(5)} req/s  p50 ${pct(xs, 50).toFixed(1)} ms  p99 ${pct(xs, 99).toFixed(1)} ms`);
  }
  console.log(`  events    ${eventsSent} sent, ${(eventsSent / elapsed).toFixed(0)} events/s`);
  return eventsSent;
}

let sent = await phase('saturation', SECONDS, null);
sent += await phase('paced', SECONDS, RATE);
const fleet = JSON.parse((await request('GET', '/v1/admin/kiosks', { authorization: `Bearer ${adminKey}` })).text) as { kiosks: { online: boolean; eventsReceived: number }[] };
const stored = fleet.kiosks.reduce((a, k) => a + k.eventsReceived, 0);
console.log(`server view: ${fleet.kiosks.filter((k) => k.online).length}/${KIOSKS} online, ${stored} events stored for ${sent} sent (${stored === sent ? 'each once' : 'MISMATCH'}), ${errors} non-200 answers`);
console.log(`(2 cores shared by this load generator and the server; synchronous=FULL for event acks, group-committed)`);

agent.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
fs.rmSync(dataDir, { recursive: true, force: true });
