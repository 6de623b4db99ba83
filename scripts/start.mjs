// npm start: build, then run the kiosk in Electron where its binary exists, otherwise in host mode; says which.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`Locker Kiosk needs Node 22+, this is ${process.versions.node}. Run it with npm start (it uses node_modules/.bin/node) or see .nvmrc.`);
  process.exit(1);
}

const args = process.argv.slice(2);
const forceHost = args.includes('--host');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

// --help and a bad flag or value are answered by the kiosk's own config parser, before building (a minute or more).
const check = spawnSync(bin('tsx'), [path.join(root, 'scripts', 'kiosk-args.ts'), ...args], { cwd: root, stdio: 'inherit' });
if (check.status !== 0 || args.includes('--help') || args.includes('-h')) process.exit(check.status ?? 1);

if (!process.env.KIOSK_SKIP_BUILD) {
  const build = spawnSync(bin('electron-vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  // The demo's embedded fleet server serves the operator console from out/console, a build of its own: without it the
  // console URL the demo prints answers "not built".
  const consoleBuild = spawnSync(bin('vite'), ['build', '--config', 'console.vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (consoleBuild.status !== 0) process.exit(consoleBuild.status ?? 1);
}

const electronBinary = process.env.ELECTRON_EXEC_PATH || path.join(root, 'node_modules', 'electron', 'dist', 'electron');
let child;
if (!forceHost && fs.existsSync(electronBinary)) {
  console.log(`starting the kiosk in Electron (${electronBinary})`);
  child = spawn(electronBinary, [root, ...args], { cwd: root, stdio: 'inherit' });
} else {
  console.log(forceHost ? 'starting the kiosk in host mode (--host)' : 'no Electron binary here: starting the kiosk in host mode; open the URL below in Chromium');
  child = spawn(process.execPath, [path.join(root, 'out', 'main', 'host.js'), ...args.filter((a) => a !== '--host')], { cwd: root, stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
