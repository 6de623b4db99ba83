import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../log';
import { kioskEntry } from './entry';

const log = createLogger('window');
const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The kiosk window: fullscreen kiosk mode in production, a normal window with --windowed. The renderer is
 * sandboxed and isolated; it reaches main only through the preload's `window.kiosk`.
 */
export function createKioskWindow(opts: { windowed: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1080,
    height: 1920,
    kiosk: !opts.windowed,
    fullscreen: !opts.windowed,
    autoHideMenuBar: true,
    backgroundColor: '#0b1f33',
    show: false,
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
      devTools: opts.windowed,
    },
  });
  win.once('ready-to-show', () => win.show());
  load(win);
  superviseRenderer(win);
  return win;
}

/** `app://kiosk/index.html` (never `file://`), or the loopback dev server in a development build: see kioskEntry. */
function load(win: BrowserWindow): void {
  void win.loadURL(kioskEntry().url);
}

/** A kiosk nobody can restart by hand: reload a crashed or hung renderer, relaunch after a GPU crash. */
function superviseRenderer(win: BrowserWindow): void {
  let hungTimer: NodeJS.Timeout | null = null;
  win.webContents.on('render-process-gone', (_e, details) => {
    log.error('renderer gone; reloading', { reason: details.reason });
    if (!win.isDestroyed()) load(win);
  });
  win.on('unresponsive', () => {
    hungTimer = setTimeout(() => {
      log.error('renderer unresponsive for 10 s; reloading');
      if (!win.isDestroyed()) win.webContents.forcefullyCrashRenderer();
    }, 10_000);
  });
  win.on('responsive', () => {
    if (hungTimer) clearTimeout(hungTimer);
    hungTimer = null;
  });
  app.on('child-process-gone', (_e, details) => {
    if (details.type === 'GPU' && details.reason !== 'clean-exit') {
      log.error('GPU process gone; relaunching', { reason: details.reason });
      app.relaunch();
      app.exit(0);
    }
  });
}
