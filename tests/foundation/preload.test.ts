import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { CALL_NAMES, IPC_CALL_PREFIX } from '../../src-shared/api';

/**
 * The Electron binary cannot run here, so this loads the BUILT sandboxed preload bundle in a bare VM context with a
 * recording stand-in for the `electron` module (the one mock in the suite, for the one part that cannot run).
 * It proves what the page gets: exactly `window.kiosk`, one function per API call plus `on`, and no ipcRenderer.
 */
const bundle = path.resolve(import.meta.dirname, '../../out/preload/index.cjs');

describe.skipIf(!fs.existsSync(bundle))('the preload bundle', () => {
  it('exposes only window.kiosk, generated from the API table, and forwards calls over named channels', async () => {
    const exposed: Record<string, unknown> = {};
    const invoked: Array<[string, unknown]> = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: {
        invoke: async (channel: string, input: unknown) => {
          invoked.push([channel, input]);
          return { ok: true, value: null };
        },
        on: () => {},
        off: () => {},
      },
    };
    const requireStub = (name: string) => {
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    };
    const module = { exports: {} };
    vm.runInNewContext(fs.readFileSync(bundle, 'utf8'), { require: requireStub, module, exports: module.exports, console });
    expect(Object.keys(exposed)).toEqual(['kiosk']);
    const kiosk = exposed.kiosk as Record<string, (x?: unknown) => unknown>;
    expect(Object.keys(kiosk).sort()).toEqual([...CALL_NAMES, 'on'].sort());
    // No raw IPC handle leaks out under its own name (call names such as sendSubmitCode are fine).
    for (const raw of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'postMessage']) expect(Object.keys(kiosk)).not.toContain(raw);
    await kiosk.kioskInfo!({});
    expect(invoked).toEqual([[IPC_CALL_PREFIX + 'kioskInfo', {}]]);
    expect(() => kiosk.on!('not-an-event')).toThrow(/unknown event/);
  });
});
