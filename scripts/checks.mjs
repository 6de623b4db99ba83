// The static checks (ESLint and each TypeScript project) side by side, as many at once as the machine has cores.
// Why: each is single-threaded, and one after another they took about 115 s of CI's 20 minutes on 2 cores (the
// typecheck alone 94 s of CPU in seven tsc runs). Each check's output is printed whole when it ends, never interleaved.
//   usage: node scripts/checks.mjs [lint] [types]   (both when none is named; npm run lint / npm run typecheck)
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const USAGE = 'usage: npm run typecheck | npm run lint | node scripts/checks.mjs [lint] [types]';
// Each project has its own lib/types (DOM for the renderer, none of Node's in it): one project per process boundary.
const PROJECTS = ['shared', 'common', 'main', 'renderer', 'console', 'server', 'test'];
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const bad = args.find((a) => a !== 'lint' && a !== 'types');
if (bad !== undefined) {
  process.stderr.write(`checks: unknown check "${bad}" (lint or types)\n`);
  process.exit(2);
}
const want = args.length === 0 ? ['lint', 'types'] : args;

/** @type {Array<{ name: string; argv: string[] }>} ESLint first: it is the longest single check. */
const checks = [
  ...(want.includes('lint') ? [{ name: 'eslint .', argv: [eslint, '.'] }] : []),
  ...(want.includes('types') ? PROJECTS.map((p) => ({ name: `tsc -p tsconfig.${p}.json`, argv: [tsc, '-p', `tsconfig.${p}.json`, '--noEmit'] })) : []),
];

/** Runs one check to its end; resolves with its exit code (1 for a signal or a spawn error) and everything it printed. */
function run(check) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, check.argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Buffer[]} Whole chunks, decoded once at the end: a character split between chunks stays whole. */
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('error', (err) => resolve({ code: 1, out: `${Buffer.concat(chunks).toString('utf8')}${err.message}\n` }));
    child.on('close', (code, signal) => {
      const out = Buffer.concat(chunks).toString('utf8');
      resolve({ code: code ?? 1, out: signal ? `${out}killed by ${signal}\n` : out });
    });
  });
}

const width = Math.max(2, os.availableParallelism());
const queue = [...checks];
let failed = 0;
await Promise.all(
  Array.from({ length: Math.min(width, queue.length) }, async () => {
    for (let check = queue.shift(); check; check = queue.shift()) {
      const { code, out } = await run(check);
      if (code !== 0) failed += 1;
      process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${check.name}\n${out}`);
    }
  }),
);
// exitCode, not exit(): stdout to a pipe is written asynchronously, and exit() would cut a long error list short.
process.exitCode = failed === 0 ? 0 : 1;
