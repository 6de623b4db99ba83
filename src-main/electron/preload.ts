import { contextBridge, ipcRenderer } from 'electron';
import { CALL_NAMES, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, type KioskBridge } from '../../src-shared/api';
import { EVENT_NAMES } from '../../src-shared/events';

/**
 * The renderer's only door to main: `window.kiosk`, one function per API call plus `on(event, fn)`. ipcRenderer
 * itself is never exposed. Built as its own sandboxed CommonJS bundle.
 */
const calls = Object.fromEntries(CALL_NAMES.map((name) => [name, (input: unknown) => ipcRenderer.invoke(IPC_CALL_PREFIX + name, input)]));

const bridge = {
  ...calls,
  on(event: string, fn: (payload: unknown) => void) {
    if (!(EVENT_NAMES as string[]).includes(event)) throw new Error(`unknown event ${event}`);
    const listener = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) fn(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, listener);
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, listener);
  },
} as unknown as KioskBridge;

contextBridge.exposeInMainWorld('kiosk', bridge);
