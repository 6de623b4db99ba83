/**
 * npm run bench: runs every bench/*.ts one after another (never in parallel: they measure the same two cores) and
 * lets each print its own figures. Benchmarks print; they never assert.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { wantsHelp } from '../src-common/cli';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const all = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts' && !f.startsWith('_'))
  .sort();
const USAGE = `usage: npm run bench -- [NAME]...   (runs the bench/*.ts whose names contain a NAME; all without one)\nbenches: ${all.join(', ')}`;
if (wantsHelp(only)) {
  console.log(USAGE);
  process.exit(0);
}
// A flag or a name matching no bench is one line and exit 2 (README: every entry point), not a silent run of nothing.
const unknown = only.find((o) => o.startsWith('-') || !all.some((f) => f.includes(o)));
if (unknown !== undefined) {
  console.error(`bench: ${unknown.startsWith('-') ? `unknown option ${unknown}` : `no bench named like "${unknown}"`} (see --help)`);
  process.exit(2);
}
const files = all.filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const tsx = path.join(dir, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, [tsx, path.join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${f} exited with ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
