import { app } from 'electron';
import { createLogger } from '../log';
import { rendererEntry, type RendererEntry } from './trust';

const log = createLogger('entry');
let cached: RendererEntry | null = null;

/**
 * The page the kiosk window loads and the origin the shell trusts, decided once per run from `app.isPackaged`, the
 * build (`import.meta.env.DEV`, a compile-time constant electron-vite sets: true only under `electron-vite dev`) and
 * `ELECTRON_RENDERER_URL`; the rules are `rendererEntry`'s. A dev URL that is not honoured is logged once.
 */
export function kioskEntry(): RendererEntry {
  if (cached) return cached;
  cached = rendererEntry({ isPackaged: app.isPackaged, devBuild: import.meta.env.DEV === true, env: process.env });
  if (cached.ignored) log.warn('ELECTRON_RENDERER_URL ignored; loading the built renderer', { reason: cached.ignored.reason });
  return cached;
}
