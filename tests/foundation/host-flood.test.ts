import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { HostileKiosk } from './hostile-kiosk';
import { HOST_IDLE_MS, HOST_MAX_CONNECTIONS } from '../../src-main/host/server';

/**
 * A local process opening many idle connections (seen: 21,000 exhausted the kiosk's file descriptors and the page
 * answered 500). The kiosk caps connections and closes idle ones, so the flood ends by itself and the page and its
 * API come back without a restart; the process never dies.
 */
let kiosk: HostileKiosk;
beforeAll(async () => {
  kiosk = new HostileKiosk();
  await kiosk.start();
});
afterAll(async () => {
  await kiosk.stop();
});

function idleSocket(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('close', () => resolve({ socket, closed }));
  });
}

describe('host mode under a flood of idle connections', () => {
  it('more idle connections than the cap: the server closes them, the page and the API answer again, the process lives', async () => {
    const flood = await Promise.all(Array.from({ length: HOST_MAX_CONNECTIONS * 3 }, () => idleSocket(kiosk.port)));
    // Every idle socket is closed by the server: the ones over the cap at once, the rest after the idle timeout.
    await Promise.all(flood.map((f) => f.closed));
    expect(kiosk.alive()).toBe(true);
    // The page and a real API call answer again (state: they answer; the wait is bounded by the idle timeout).
    let page = await kiosk.page().catch(() => ({ status: 0, csp: null }));
    for (const end = Date.now() + HOST_IDLE_MS * 3; page.status !== 200 && Date.now() < end; ) page = await kiosk.page().catch(() => ({ status: 0, csp: null }));
    expect(page.status).toBe(200);
    const info = await kiosk.call('kioskInfo', {});
    expect(info.ok).toBe(true);
  }, 90_000);
});
