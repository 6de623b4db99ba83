import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildFleetApp, type FleetApp, type FleetAppOptions } from '../../src-server/app';
import { silentLogger } from '../../src-server/log';
import type { EnrollResponse } from '../../src-shared/sync-protocol';
import { TestKiosk } from './helpers';

/** A fleet app built directly (the hardening tests need its guard and hooks), listening on loopback. */
export interface HardenedServer {
  fleet: FleetApp;
  url: string;
  port: number;
  adminKey: string;
  /** How many requests reached Fastify's preParsing stage (i.e. had their body read at all). */
  preParsing(): number;
  enroll(): Promise<TestKiosk>;
  stop(): Promise<void>;
}

export async function startHardened(o: Partial<FleetAppOptions> = {}): Promise<HardenedServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-hard-'));
  // `await` whether buildFleetApp is synchronous or not (the store rewrite makes opening the database async).
  const fleet = await buildFleetApp({ dataDir, log: silentLogger, sweepIntervalMs: 0, ...o });
  let preParsing = 0;
  fleet.app.addHook('preParsing', async (_req, _reply, payload) => {
    preParsing++;
    return payload;
  });
  await fleet.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (fleet.app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const adminKey = fleet.ctx.keys.adminKey;
  return {
    fleet,
    url,
    port,
    adminKey,
    preParsing: () => preParsing,
    async enroll() {
      const t = await fetch(`${url}/v1/enrollment-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: '{}',
      }).then((r) => r.json() as Promise<{ enrollmentToken: string }>);
      const res = await fetch(`${url}/v1/kiosks/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enrollmentToken: t.enrollmentToken, capacity: { S: 2, M: 2, L: 1, XL: 1 }, layoutName: 'test' }),
      });
      if (res.status !== 200) throw new Error(`enroll: ${res.status} ${await res.text()}`);
      return new TestKiosk(url, (await res.json()) as EnrollResponse);
    },
    async stop() {
      await fleet.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `[[[…]]]` nested `depth` deep, padded with spaces to `bytes`: the JSON that costs the most to parse per byte. */
export function nestedJson(bytes: number, depth = 100_000): Buffer {
  const core = '['.repeat(depth) + ']'.repeat(depth);
  return Buffer.from(core.length >= bytes ? core : core + ' '.repeat(bytes - core.length));
}

/**
 * POSTs `body` over a fresh socket and reports how the server ended it: with a status, or by closing the socket
 * before answering (both are refusals; which one depends on how much of the upload was in flight).
 */
export function rawPost(port: number, p: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number | null; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: p, agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? null, ms: performance.now() - t0 }));
    });
    req.on('error', () => resolve({ status: null, ms: performance.now() - t0 }));
    req.end(body);
  });
}
