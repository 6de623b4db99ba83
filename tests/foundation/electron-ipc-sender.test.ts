import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { createKioskCore, type KioskCore } from '../../src-main/core';
import { loadConfig } from '../../src-main/config';
import { registerIpc, type IpcMainLike, type KioskWindowLike } from '../../src-main/electron/ipc';
import { isTrustedSender, type FrameLike } from '../../src-main/electron/trust';
import { KIOSK_ORIGIN } from '../../src-main/electron/scheme';
import { CALL_NAMES, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL } from '../../src-shared/api';

/**
 * The Electron binary cannot run here, so, as in preload.test.ts, the one part that cannot run — Electron's
 * `ipcMain`, window and frames — is a recording stand-in; the kiosk core behind the handlers is real (SQLite file,
 * board simulator). A call is answered only from our window's top frame while it shows app://kiosk: a frame
 * identity check alone (the old rule) let our own window, once navigated to file:// or another site, open doors.
 */
let core: KioskCore;
let dir: string;
const seen: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-ipc-'));
  const config = loadConfig(['--data-dir', dir, '--server-url', 'http://127.0.0.1:9/'], {});
  core = await createKioskCore({ config, mode: 'electron', version: '9.9.9-test', dataDir: dir });
});
afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A stand-in kiosk window: its top frame's URL can be changed as a navigation would. */
function standIn(url = 'app://kiosk/index.html') {
  const mainFrame: { url: string; parent: FrameLike | null } = { url, parent: null };
  const sent: unknown[][] = [];
  let destroyed = false;
  const win: KioskWindowLike = {
    isDestroyed: () => destroyed,
    webContents: { mainFrame, send: (...args: unknown[]) => void sent.push(args) },
  };
  return { win, mainFrame, sent, destroy: () => (destroyed = true) };
}

/** A recording ipcMain: keeps each handler so the test can invoke it as Electron would. */
function recordingIpcMain() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, input: unknown) => unknown>();
  const ipc: IpcMainLike = {
    handle: (channel, fn) => void handlers.set(channel, fn),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  return { ipc, handlers };
}

function wire(win: KioskWindowLike | null) {
  const { ipc, handlers } = recordingIpcMain();
  // The real core, with every call that reaches it noted.
  const watched: KioskCore = Object.assign(Object.create(core) as KioskCore, {
    call: (name: unknown, input: unknown) => {
      seen.push(String(name));
      return core.call(name, input);
    },
  });
  const off = registerIpc(ipc, watched, () => win, KIOSK_ORIGIN);
  const invoke = (event: { sender: unknown; senderFrame: FrameLike | null }, name = 'kioskInfo') =>
    handlers.get(IPC_CALL_PREFIX + name)!(event as unknown as IpcMainInvokeEvent, {}) as Promise<{ ok: boolean; error?: { code: string } }>;
  return { invoke, handlers, off };
}

describe('IPC answers only the kiosk page in our window', () => {
  it('registers one handler per API call and removes them all again', () => {
    const { handlers, off } = wire(standIn().win);
    expect([...handlers.keys()].sort()).toEqual(CALL_NAMES.map((n) => IPC_CALL_PREFIX + n).sort());
    off();
    expect(handlers.size).toBe(0);
  });

  it('answers our window\'s top frame on app://kiosk with the real core', async () => {
    const k = standIn();
    const { invoke, off } = wire(k.win);
    const r = await invoke({ sender: k.win.webContents, senderFrame: k.mainFrame });
    off();
    expect(r.ok).toBe(true);
  });

  it.each([
    ['a local file', 'file:///tmp/evil.html'],
    ['a data: page', 'data:text/html,<script>kiosk.pickupSubmitCode({})</script>'],
    ['a web site', 'https://evil.example/'],
    ['another app:// host', 'app://evil/index.html'],
    ['a host that starts like ours', 'app://kiosk.evil/index.html'],
    ['a loopback dev server we did not choose', 'http://localhost:5173/'],
    ['about:blank', 'about:blank'],
  ])('refuses our own window once its top frame shows %s, and the core never hears of it', async (_label, url) => {
    const k = standIn(url);
    const { invoke, off } = wire(k.win);
    seen.length = 0;
    const r = await invoke({ sender: k.win.webContents, senderFrame: k.mainFrame }, 'pickupSubmitCode');
    off();
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_AUTHORISED' } });
    expect(seen).toEqual([]);
  });

  it('refuses a sub-frame (even one on app://kiosk), another web contents, a gone frame and a closed window', async () => {
    const k = standIn();
    const { invoke, off } = wire(k.win);
    seen.length = 0;
    const subFrame = { url: 'app://kiosk/index.html', parent: k.mainFrame };
    const lookalike = { url: 'app://kiosk/index.html', parent: null };
    const disposed = {
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
      parent: null,
    };
    const refusals = [
      await invoke({ sender: k.win.webContents, senderFrame: subFrame }),
      await invoke({ sender: k.win.webContents, senderFrame: lookalike }),
      await invoke({ sender: { mainFrame: k.mainFrame }, senderFrame: k.mainFrame }),
      await invoke({ sender: k.win.webContents, senderFrame: null }),
    ];
    k.mainFrame.url = 'app://kiosk/index.html';
    expect(isTrustedSender({ sender: k.win.webContents, senderFrame: disposed }, { ...k.win, webContents: { mainFrame: disposed } }, KIOSK_ORIGIN)).toBe(false);
    k.destroy();
    refusals.push(await invoke({ sender: k.win.webContents, senderFrame: k.mainFrame }));
    off();
    for (const r of refusals) expect(r).toMatchObject({ ok: false, error: { code: 'NOT_AUTHORISED' } });
    expect(seen).toEqual([]);
    const none = wire(null);
    expect(await none.invoke({ sender: k.win.webContents, senderFrame: k.mainFrame })).toMatchObject({ ok: false, error: { code: 'NOT_AUTHORISED' } });
    none.off();
  });

  it('sends core events to our page only while it shows app://kiosk', () => {
    const k = standIn();
    const { off } = wire(k.win);
    core.ctx.emit('scan', { text: 'PARCEL-1', source: 'serial' });
    k.mainFrame.url = 'https://evil.example/';
    core.ctx.emit('scan', { text: 'PARCEL-2', source: 'serial' });
    off();
    expect(k.sent).toEqual([[IPC_EVENT_CHANNEL, 'scan', { text: 'PARCEL-1', source: 'serial' }]]);
  });
});
