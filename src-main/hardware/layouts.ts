import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Layout } from '../../src-shared/layout';
import { ConfigError } from '../config-error';

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Where bundled layouts live. The module sits at src-main/hardware/ in development and inside out/main/ once built,
 * so we walk up from it (and from the working directory) to the first resources/layouts folder.
 */
function layoutDirs(): string[] {
  const dirs: string[] = [];
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    let dir = start;
    for (let i = 0; i < 6; i++) {
      const candidate = path.join(dir, 'resources', 'layouts');
      if (!dirs.includes(candidate) && fs.existsSync(candidate)) dirs.push(candidate);
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return dirs;
}

/** The bundled layout names (file names without .json), for error messages and the maintenance screen. */
export function bundledLayouts(): string[] {
  const names = new Set<string>();
  for (const d of layoutDirs()) for (const f of fs.readdirSync(d)) if (f.endsWith('.json')) names.add(f.slice(0, -5));
  return [...names].sort();
}

/**
 * A layout by bundled name (`demo-24` → resources/layouts/demo-24.json) or by file path. Throws ConfigError (the
 * entry points print it and exit 2) naming the file and the offending field, e.g. `compartments.3.id: duplicate …`.
 */
export function loadLayout(nameOrPath: string): Layout {
  let file: string | undefined;
  if (NAME.test(nameOrPath)) {
    file = layoutDirs()
      .map((d) => path.join(d, `${nameOrPath}.json`))
      .find((f) => fs.existsSync(f));
    if (!file) throw new ConfigError(`layout "${nameOrPath}" not found (bundled: ${bundledLayouts().join(', ') || 'none'})`);
  } else {
    file = path.resolve(nameOrPath);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`layout ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`layout ${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseLayout(raw, file);
}

/** Validates an already-parsed layout; `source` names it in the error. */
export function parseLayout(raw: unknown, source = 'layout'): Layout {
  const result = Layout.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigError(`layout ${source}: ${lines.join('; ')}`);
  }
  return result.data;
}
