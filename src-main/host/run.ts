import path from 'node:path';
import { prepareDataDir } from '../../src-common/cli';
import { ConfigError, loadConfig } from '../config';
import type { KioskCore } from '../core';
import { storeStartupLine } from '../store/store-errors';
import { appVersion, rendererDir } from '../paths';
import { installUnexpectedErrorPolicy } from '../unexpected';
import { loadOrCreateToken, TOKEN_FILE } from './token';

/** Host mode entry: the kiosk core in plain Node, the UI in any Chromium on this machine. */
export async function runHost(argv: string[]): Promise<void> {
  let config;
  try {
    config = loadConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      if (err.exitCode === 0) process.stdout.write(`${err.message}\n`);
      else process.stderr.write(`kiosk: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    throw err;
  }
  const dataDir = path.resolve(config.dataDir ?? '.kiosk-data');
  // A file, /proc/…, a read-only or foreign dir: one line naming it, before anything is opened (red-team finding 7).
  const dirProblem = prepareDataDir(dataDir);
  if (dirProblem) {
    process.stderr.write(`kiosk: data dir ${dirProblem}\n`);
    process.exit(2);
  }
  // The demo's lines (its banner carries the operator's password) wait until the kiosk is listening: a start that
  // fails prints none of them (red-team finding 8).
  const held: string[] = [];
  let listening = false;
  const out = (line: string): void => {
    if (listening) process.stdout.write(`${line}\n`);
    else held.push(line);
  };
  // Loaded only after the configuration is judged: the core's module graph takes seconds to load, and --help or a
  // bad flag must answer at once (and the entry-point tests spawn dozens of them).
  const { createKioskCore } = await import('../core');
  const { startHostServer } = await import('./server');
  let core: KioskCore;
  try {
    core = await createKioskCore({ config, mode: 'host', version: appVersion(), dataDir, out });
  } catch (err) {
    // The store's refusals (lock held, damaged or full disk, missing secret) are one line for the person on site.
    const line = storeStartupLine(err, dataDir);
    if (line === null) throw err;
    process.stderr.write(`kiosk: ${line}\n`);
    process.exit(2);
  }
  let token: string;
  try {
    // Kept across restarts so the kiosk's own page reconnects by itself (ADR 0004); the data dir is ours (locked).
    token = loadOrCreateToken(dataDir);
  } catch (err) {
    await core.close();
    process.stderr.write(`kiosk: cannot keep the host token in ${dataDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
    process.exit(2);
  }
  let server;
  try {
    server = await startHostServer(core, { port: config.hostPort, rendererDir: rendererDir(), token });
  } catch (err) {
    await core.close();
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`kiosk: cannot listen on 127.0.0.1:${config.hostPort} (${e.code ?? e.message}); choose another with --host-port\n`);
    process.exit(2);
  }
  // Only once serving: before this, a failure must still end start-up with its message (see unexpected.ts).
  installUnexpectedErrorPolicy();
  // Under the launcher or a service manager stdout goes to a log other people may read: name the file, not the token.
  const hide = process.env.KIOSK_HIDE_TOKEN === '1';
  process.stdout.write(`kiosk ready: ${hide ? `http://127.0.0.1:${server.port}/ (token in ${path.join(dataDir, TOKEN_FILE)})` : server.url}\n`);
  listening = true;
  for (const line of held.splice(0)) out(line);
  const stop = async () => {
    await server.close();
    await core.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
