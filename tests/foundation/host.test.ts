import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createKioskCore, type KioskCore } from '../../src-main/core';
import { loadConfig } from '../../src-main/config';
import { startHostServer, type HostServer } from '../../src-main/host/server';

let core: KioskCore;
let host: HostServer;
let dir: string;
let webroot: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-host-'));
  webroot = path.join(dir, 'www');
  fs.mkdirSync(webroot);
  fs.writeFileSync(path.join(webroot, 'index.html'), '<!doctype html><title>kiosk</title>');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the web root');
  const config = loadConfig(['--data-dir', dir, '--server-url', 'http://127.0.0.1:9/'], {});
  core = await createKioskCore({ config, mode: 'host', version: 'test', dataDir: dir });
  host = await startHostServer(core, { port: 0, rendererDir: webroot });
});
afterAll(async () => {
  await host.close();
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A raw request, so the path reaches the server exactly as written (fetch would normalise `..`). */
function rawGet(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(host.port, '127.0.0.1', () => s.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('host mode HTTP', () => {
  it('listens on loopback only, and prints a URL that carries the token in the fragment', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/#token=[A-Za-z0-9_-]{32}$`));
  });

  it('serves the renderer with a strict CSP that allows only its own WebSocket', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(res.status).toBe(200);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt']) {
      const res = await rawGet(p);
      expect(res, p).not.toContain('outside the web root');
      expect(res.split('\r\n')[0], p).toMatch(/ 40[034] /);
    }
  });

  it('refuses anything but GET and HEAD', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/index.html`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`http://127.0.0.1:${host.port}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('puts the security headers on refusals too, and never echoes the request back', async () => {
    for (const [p, method] of [['/missing.js', 'GET'], ['/index.html', 'PUT'], ['/%E0%A4%A', 'GET'], ['/%00', 'GET']] as const) {
      const res = await fetch(`http://127.0.0.1:${host.port}${p}`, { method });
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-security-policy'), p).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
      expect(res.headers.get('cache-control'), p).toBe('no-store');
      expect(await res.text(), p).not.toContain(p.slice(1));
    }
  });
});
