import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Behind a load balancer every request reaches the fleet server from the balancer's address. Found by
 * bench/fleet-cluster.ts: `npm run server` had no way to trust X-Forwarded-For, so all kiosks shared one per-address
 * budget and the 31st kiosk enrolling within a minute was refused (unauthenticated budget: 30 a minute per address).
 */
const ADMIN = 'trust-proxy-admin-key-0123456789';
let child: ChildProcess | undefined;
let dir = '';

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function server(extra: string[]): Promise<string> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trust-proxy-'));
  const c = spawn(process.execPath, ['--import', 'tsx', 'src-server/main.ts', '--port', '0', '--data-dir', dir, '--admin-key', ADMIN, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = c;
  let err = '';
  c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /fleet server ready: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    c.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

/** Enrolls `n` kiosks, each from its own address as the balancer reports it; returns the statuses. */
async function enrollMany(url: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const tok = await fetch(`${url}/v1/enrollment-tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{}' });
    const { enrollmentToken } = (await tok.json()) as { enrollmentToken: string };
    const r = await fetch(`${url}/v1/kiosks/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.0.${i + 1}` },
      body: JSON.stringify({ enrollmentToken, capacity: { S: 1, M: 1, L: 1, XL: 1 } }),
    });
    statuses.push(r.status);
  }
  return statuses;
}

describe('npm run server -- --trust-proxy 127.0.0.1 (behind a load balancer)', () => {
  it('40 kiosks enrolling within a minute from 40 addresses behind one balancer are all accepted', async () => {
    const url = await server(['--trust-proxy', '127.0.0.1']);
    const statuses = await enrollMany(url, 40);
    expect(statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
  }, 60_000);

  it('without it, X-Forwarded-For is ignored: the balancer address is one client and the 31st enrollment is refused', async () => {
    const url = await server([]);
    const statuses = await enrollMany(url, 31);
    expect(statuses.slice(0, 30).every((s) => s === 200 || s === 201)).toBe(true);
    expect(statuses[30]).toBe(429);
  }, 60_000);

  it("a client cannot choose its own address: what it writes before the balancer's entry is ignored, so one client is still one client", async () => {
    const url = await server(['--trust-proxy', '127.0.0.1']);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      // HAProxy's `option forwardfor` appends the real client address to whatever the client sent.
      const r = await fetch(`${url}/v1/kiosks/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i + 1}, 198.51.100.7` },
        body: JSON.stringify({ enrollmentToken: 'x'.repeat(32), capacity: { S: 1, M: 1, L: 1, XL: 1 } }),
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
  }, 60_000);
});
