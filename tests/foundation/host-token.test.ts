import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StoreHostProcess } from './store-host-process';

/** The HTTP status an upgrade with this token gets (101 = accepted), as the page's own origin. */
function upgradeStatus(port: number, token: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`, { origin: `http://127.0.0.1:${port}` });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => undefined);
  });
}

const dirs: string[] = [];
const kiosks: StoreHostProcess[] = [];
afterEach(async () => {
  for (const k of kiosks.splice(0)) await k.stop('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function startOn(dataDir: string): Promise<StoreHostProcess> {
  const k = new StoreHostProcess(dataDir, ['--server-url', 'http://127.0.0.1:9/']);
  kiosks.push(k);
  await k.ready();
  return k;
}

/**
 * Issue 10 §1 / ADR 0004: the kiosk's own page must reconnect after a restart, so the token outlives the process
 * (in `<dataDir>/host-token`, readable only by the kiosk's user), and deleting that file rotates it.
 */
describe('host token across restarts', () => {
  it('is kept in <dataDir>/host-token (0600) and the page\'s token still opens the API after a kill and restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-token-'));
    dirs.push(dataDir);
    const first = await startOn(dataDir);
    const file = path.join(dataDir, 'host-token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const pageToken = first.token;
    await first.stop('SIGKILL');

    const second = await startOn(dataDir);
    expect(second.token).toBe(pageToken);
    expect(await upgradeStatus(second.port, pageToken)).toBe(101);
    expect(await upgradeStatus(second.port, 'x'.repeat(32))).toBe(401);
  }, 90_000);

  it('deleting the file rotates the token: the old one is refused; a file readable by others is narrowed to 0600', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-token-'));
    dirs.push(dataDir);
    const file = path.join(dataDir, 'host-token');
    const first = await startOn(dataDir);
    const old = first.token;
    await first.stop();
    fs.rmSync(file);

    const second = await startOn(dataDir);
    expect(second.token).not.toBe(old);
    expect(await upgradeStatus(second.port, old)).toBe(401);
    expect(await upgradeStatus(second.port, second.token)).toBe(101);
    await second.stop();

    fs.chmodSync(file, 0o644);
    const third = await startOn(dataDir);
    expect(third.token).toBe(second.token);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(third.lines.join('\n')).toMatch(/readable by other users/);
  }, 90_000);
});
