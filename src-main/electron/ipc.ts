import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { CALL_NAMES, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL } from '../../src-shared/api';
import type { KioskCore } from '../core';
import { createLogger } from '../log';
import { isSameOrigin, isTrustedSender, type SenderEventLike, type WindowLike } from './trust';

const log = createLogger('ipc');

/** The parts of Electron's `ipcMain` we use; main passes the real one, the test a recording stand-in. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, input: unknown) => unknown): void;
  removeHandler(channel: string): void;
}

/** The kiosk window as registerIpc sees it: what the sender check reads, plus sending events. */
export type KioskWindowLike = WindowLike & { webContents: { send(channel: string, ...args: unknown[]): void } };

/**
 * One ipcMain handler per API call, generated from the table; input is validated inside `core.call`. A call is
 * answered only when `isTrustedSender` says it comes from our window's top frame while that frame shows `origin`
 * (`app://kiosk`): a sub-frame, another window, or our own window navigated to any other page gets
 * `{ok:false, error:{code:'NOT_AUTHORISED'}}` and the core never sees the call.
 *
 * @param ipc `ipcMain` (a parameter so this file never imports `electron` at run time and can be tested)
 * @param origin the trusted origin, from `rendererEntry`
 * @returns a function removing every handler and the event subscription
 */
export function registerIpc(ipc: IpcMainLike, core: KioskCore, getWindow: () => BrowserWindow | KioskWindowLike | null, origin: string): () => void {
  for (const name of CALL_NAMES) {
    ipc.handle(IPC_CALL_PREFIX + name, async (event, input: unknown) => {
      if (!isTrustedSender(event as SenderEventLike, getWindow() as WindowLike | null, origin)) {
        log.warn('IPC call refused: not the kiosk page', { call: name, frameUrl: safeFrameUrl(event as SenderEventLike) });
        return { ok: false, error: { code: 'NOT_AUTHORISED', message: 'not the kiosk window' } };
      }
      return core.call(name, input);
    });
  }
  const off = core.on((event, payload) => {
    const win = getWindow();
    // Events too go only to our page: if the window ever showed anything else, it hears nothing.
    if (win && !win.isDestroyed() && isSameOrigin(frameUrl(win), origin)) win.webContents.send(IPC_EVENT_CHANNEL, event, payload);
  });
  return () => {
    off();
    for (const name of CALL_NAMES) ipc.removeHandler(IPC_CALL_PREFIX + name);
  };
}

function frameUrl(win: BrowserWindow | KioskWindowLike): string {
  try {
    return win.webContents.mainFrame.url;
  } catch {
    return '';
  }
}

/** The sender frame's URL without query or fragment (for the log), or null when the frame is gone. */
function safeFrameUrl(event: SenderEventLike): string | null {
  try {
    const url = event.senderFrame?.url;
    return url ? url.split(/[?#]/)[0]!.slice(0, 200) : null;
  } catch {
    return null;
  }
}
