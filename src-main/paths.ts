import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/**
 * The project root (where package.json, resources/ and out/ live). Found by walking up from this module, because
 * the same code runs from source (tsx, vitest) and bundled into out/main/, at different depths.
 */
export function appRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'locker-kiosk') return (cached = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the locker-kiosk package root');
    dir = up;
  }
}

export function appVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')).version as string;
}

export const resourcesDir = (): string => path.join(appRoot(), 'resources');
export const rendererDir = (): string => path.join(appRoot(), 'out', 'renderer');
