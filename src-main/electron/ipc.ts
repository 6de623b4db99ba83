import { ipcMain, type BrowserWindow } from 'electron';
import { CALL_NAMES, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL } from '../../src-shared/api';
import type { KioskCore } from '../core';

/**
 * One ipcMain handler per API call, generated from the table; input is validated inside `core.call`. Only our own
 * window's main frame may call (a sub-frame or another window gets nothing).
 */
export function registerIpc(core: KioskCore, getWindow: () => BrowserWindow | null): () => void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(IPC_CALL_PREFIX + name, async (event, input: unknown) => {
      const win = getWindow();
      if (!win || event.sender !== win.webContents || event.senderFrame !== win.webContents.mainFrame) {
        return { ok: false, error: { code: 'NOT_AUTHORISED', message: 'not the kiosk window' } };
      }
      return core.call(name, input);
    });
  }
  const off = core.on((event, payload) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event, payload);
  });
  return () => {
    off();
    for (const name of CALL_NAMES) ipcMain.removeHandler(IPC_CALL_PREFIX + name);
  };
}
