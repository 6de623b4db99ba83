import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { z } from 'zod';
import { CliError, parseFlags } from '../../src-common/cli';
import { TOKEN_FILE } from '../host/token';
import { launchKioskChromium, type KioskBrowser } from './chromium';
import { runOfChild, Supervisor } from './supervisor';

const Options = z.object({
  dataDir: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  chromium: z.string().min(1),
  profileDir: z.string().min(1).optional(),
  browserOnly: z.boolean(),
  noBrowser: z.boolean(),
  probeStdin: z.boolean(),
  chromiumArgs: z.array(z.string()),
  kioskArgs: z.array(z.string()),
});
export type LauncherOptions = z.infer<typeof Options>;

const USAGE = `usage: npm run kiosk -- [--data-dir DIR] [--host-port 8420] [--chromium /usr/bin/chromium] [--profile-dir DIR]
       [--browser-only | --no-browser] [--chromium-arg ARG]... [-- kiosk options]
Starts the kiosk (host mode) and Chromium in kiosk mode, relaunches either when it dies, and hands the page its
token over Chromium's debugging pipe (never on a command line). --browser-only: Chromium only, for a separate kiosk
service (systemd); --no-browser: the kiosk only.`;

/**
 * Reads the launcher's argv (zod-checked). Throws CliError: exit 0 with the usage for `--help`, else exit 2 with one
 * line naming the flag (an unknown flag, a bad value, a stray word, both halves turned off).
 */
export function parseLauncherArgs(argv: string[]): LauncherOptions {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const values = parseFlags(
    own,
    {
      'data-dir': { type: 'string', default: '.kiosk-data' },
      'host-port': { type: 'string', default: '8420' },
      chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
      'profile-dir': { type: 'string' },
      'browser-only': { type: 'boolean', default: false },
      'no-browser': { type: 'boolean', default: false },
      'probe-stdin': { type: 'boolean', default: false },
      'chromium-arg': { type: 'string', multiple: true, default: [] },
    },
    USAGE,
  );
  const parsed = Options.safeParse({
    dataDir: path.resolve(values['data-dir']!),
    port: values['host-port'],
    chromium: values.chromium,
    profileDir: values['profile-dir'] ? path.resolve(values['profile-dir']) : undefined,
    browserOnly: values['browser-only'],
    noBrowser: values['no-browser'],
    probeStdin: values['probe-stdin'],
    chromiumArgs: values['chromium-arg'],
    kioskArgs: dash < 0 ? [] : argv.slice(dash + 1),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = { dataDir: '--data-dir', port: '--host-port', chromium: '--chromium', profileDir: '--profile-dir' }[String(issue.path[0])] ?? String(issue.path[0]);
    const given = { dataDir: values['data-dir'], port: values['host-port'], chromium: values.chromium, profileDir: values['profile-dir'] }[String(issue.path[0])];
    throw new CliError(`${flag}: "${String(given)}" is not valid (${issue.message}; see --help)`);
  }
  if (parsed.data.browserOnly && parsed.data.noBrowser) throw new CliError('--browser-only and --no-browser leave nothing to run: give one of them');
  return parsed.data;
}

/**
 * How to start host mode from here: the built `host.js` beside the launcher's entry (`out/main/deploy.js`; this module
 * itself may sit in a shared chunk), or the source through tsx when the launcher runs from source.
 */
function hostCommand(): string[] {
  const entry = path.resolve(process.argv[1] ?? '');
  if (entry.endsWith('.ts')) return ['--import', 'tsx', path.join(path.dirname(entry), '..', 'host', 'main.ts')];
  return [path.join(path.dirname(entry), 'host.js')];
}

/** The token the kiosk keeps in its data dir (ADR 0004), or null while it is not there yet. */
function readToken(dataDir: string): string | null {
  try {
    return fs.readFileSync(path.join(dataDir, TOKEN_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * `npm run kiosk`: the kiosk in host mode and Chromium in kiosk mode, each under the Supervisor. When the kiosk is
 * ready the page is sent to `http://127.0.0.1:<port>/#token=…` over the CDP pipe; a kiosk restart keeps the token
 * (the page reconnects by itself), a rotated token is handed over again, and a new Chromium gets it on start.
 * Lines go to `log` (the token never does). Resolves when stopped by SIGINT/SIGTERM; exits 1 past a restart limit.
 */
export async function runLauncher(o: LauncherOptions, log: (line: string) => void): Promise<void> {
  fs.mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const origin = `http://127.0.0.1:${o.port}/`;
  let kioskReady = false;
  let browser: KioskBrowser | null = null;
  let handed: string | null = null;
  // The supervisor has logged its one give-up line already: end everything, non-zero for the service manager.
  const giveUp = (): void => {
    void stopAll().then(() => process.exit(1));
  };

  const handOver = async (): Promise<void> => {
    const token = o.browserOnly ? await waitForKiosk() : kioskReady ? readToken(o.dataDir) : null;
    if (!browser || !token || token === handed) return;
    handed = token;
    try {
      await browser.open(`${origin}#token=${token}`);
      log('supervisor: page sent to the kiosk (token handed over the debugging pipe)');
    } catch (err) {
      handed = null;
      log(`supervisor: could not hand the page its token: ${(err as Error).message}`);
    }
  };

  /** Browser-only mode: the kiosk is another service; wait for its token file and its port. */
  const waitForKiosk = async (): Promise<string | null> => {
    for (;;) {
      const token = readToken(o.dataDir);
      if (token && (await fetch(origin, { method: 'HEAD' }).then((r) => r.ok, () => false))) return token;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const kiosk = new Supervisor({
    name: 'kiosk',
    log,
    onGiveUp: giveUp,
    launch: () => {
      kioskReady = false;
      const child = spawn(process.execPath, [...hostCommand(), '--host-port', String(o.port), '--data-dir', o.dataDir, ...o.kioskArgs], {
        stdio: ['ignore', 'pipe', 'pipe'],
        // The ready line then names the token file, not the token: our output may end up in a journal.
        env: { ...process.env, KIOSK_HIDE_TOKEN: '1' },
      });
      for (const stream of [child.stdout, child.stderr]) {
        readline.createInterface({ input: stream! }).on('line', (line) => {
          log(`kiosk: ${line.replace(/token=[^&\s]+/g, 'token=[redacted]')}`);
          if (line.startsWith('kiosk ready: ')) {
            kioskReady = true;
            log('supervisor: kiosk ready');
            void handOver();
          }
        });
      }
      return runOfChild(child, process.execPath);
    },
  });

  const chromium = new Supervisor({
    name: 'chromium',
    log,
    onGiveUp: giveUp,
    launch: () => {
      handed = null;
      const profile = o.profileDir ?? path.join(o.dataDir, 'chromium-profile');
      fs.mkdirSync(profile, { recursive: true, mode: 0o700 });
      const b = launchKioskChromium({
        executable: o.chromium,
        userDataDir: profile,
        extraArgs: o.chromiumArgs,
        log,
        // A crashed or killed renderer: load the page again (with the current token), as on a new Chromium.
        onPageGone: () => {
          if (browser !== b) return;
          handed = null;
          void handOver();
        },
      });
      browser = b;
      void b.exited.then(() => {
        if (browser === b) browser = null;
      });
      return b.run;
    },
    onLaunch: () => void handOver(),
  });

  const stopAll = async (): Promise<void> => {
    await Promise.all([chromium.stop(), kiosk.stop()]);
  };

  if (o.probeStdin) {
    // Test hook: "probe" on stdin → one "probe: {...}" line saying what the page shows (only our parent can write here).
    readline.createInterface({ input: process.stdin }).on('line', (line) => {
      if (line.trim() !== 'probe') return;
      const b = browser;
      if (!b) return log('probe: {"error":"no browser"}');
      b.probe().then(
        (p) => log(`probe: ${JSON.stringify(p)}`),
        (err: Error) => log(`probe: ${JSON.stringify({ error: err.message })}`),
      );
    });
  }

  if (!o.browserOnly) kiosk.start();
  if (!o.noBrowser) chromium.start();
  // Browser-only, the kiosk is another service: no ready line tells us it restarted with a rotated token. A changed
  // token file does (polled: the file may be deleted and written again); the page is handed the new token.
  if (o.browserOnly) fs.watchFile(path.join(o.dataDir, TOKEN_FILE), { interval: 1_000, persistent: false }, () => void handOver());
  await new Promise<void>((resolve) => {
    const stop = (): void => void stopAll().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
