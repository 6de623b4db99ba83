import path from 'node:path';
import { app, ipcMain, type BrowserWindow } from 'electron';
import { prepareDataDir } from '../../src-common/cli';
import { ConfigError, loadConfig } from '../config';
import { createKioskCore, type KioskCore } from '../core';
import { storeStartupLine } from '../store/store-errors';
import { appVersion } from '../paths';
import { installUnexpectedErrorPolicy } from '../unexpected';
import { hardenApp, hardenSession } from './security';
import { kioskEntry } from './entry';
import { registerIpc } from './ipc';
import { createKioskWindow } from './window';

/** Electron entry: one instance, hardened, the core in main, the UI in a sandboxed window. */
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  hardenApp();
  app.whenReady().then(async () => {
    let config;
    try {
      // Unpackaged, Electron's argv carries the app's path ('.') among the switches: not a stray argument of ours.
      config = loadConfig(process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => app.isPackaged || path.resolve(a) !== app.getAppPath()));
    } catch (err) {
      if (err instanceof ConfigError) {
        if (err.exitCode === 0) process.stdout.write(`${err.message}\n`);
        else process.stderr.write(`kiosk: ${err.message}\n`);
        app.exit(err.exitCode);
        return;
      }
      throw err;
    }
    hardenSession();
    const dataDir = config.dataDir ?? app.getPath('userData');
    // A file, /proc/…, a read-only dir: one line naming it, exit 2 (red-team finding 7), as in host mode.
    const dirProblem = prepareDataDir(dataDir);
    if (dirProblem) {
      process.stderr.write(`kiosk: data dir ${dirProblem}\n`);
      app.exit(2);
      return;
    }
    let core: KioskCore;
    try {
      core = await createKioskCore({ config, mode: 'electron', version: appVersion(), dataDir });
    } catch (err) {
      // The store's refusals (lock held, damaged or full disk, missing secret): one line, exit 2, as in host mode.
      const line = storeStartupLine(err, dataDir);
      if (line === null) throw err;
      process.stderr.write(`kiosk: ${line}\n`);
      app.exit(2);
      return;
    }
    registerIpc(ipcMain, core, () => win, kioskEntry().origin);
    win = createKioskWindow({ windowed: config.windowed });
    installUnexpectedErrorPolicy(); // once serving; start-up failures still end the app (see unexpected.ts)
    process.stdout.write('kiosk ready: electron window\n');
    app.on('window-all-closed', async () => {
      await core.close();
      app.quit();
    });
  });
}
