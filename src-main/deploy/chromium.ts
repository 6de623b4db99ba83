import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { CdpError, CdpPipe } from './cdp-pipe';
import { runOfChild, type Run } from './supervisor';

/**
 * Chromium as a kiosk (issue 10 §2): full screen with no way out, no pinch zoom, no swipe back/forward, no translate
 * bar, no first-run or crash-restore bubbles, no error dialogs; its own profile; and none of the background
 * connections a closed network refuses (the same set playwright.config.ts uses). The context menu is refused by
 * the page itself (src-renderer/ui/hygiene.ts). `--remote-debugging-pipe`: the launcher hands the page its token
 * over fds 3/4 (see cdp-pipe.ts), so the token is on no command line.
 */
export function kioskChromiumArgs(userDataDir: string, extra: readonly string[] = []): string[] {
  const args = [
    '--kiosk',
    '--disable-pinch',
    '--overscroll-history-navigation=0',
    '--disable-features=Translate,TranslateUI',
    '--no-first-run',
    '--no-default-browser-check',
    '--noerrdialogs',
    '--disable-session-crashed-bubble',
    '--hide-crash-restore-bubble',
    '--disable-infobars',
    '--password-store=basic',
    // The kiosk beeps on its own (door open, reminders): no click is needed first.
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--disable-default-apps',
    `--user-data-dir=${userDataDir}`,
    '--remote-debugging-pipe',
  ];
  // Chromium refuses to run as root with its sandbox (containers, CI). A kiosk PC runs it as the kiosk user.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return [...args, ...extra, 'about:blank'];
}

/** What the page shows, read through CDP: the deployment test's state signal (no screenshots, no sleeps). */
export interface PageProbe {
  /** The attract screen is on screen. */
  attract: boolean;
  /** The footer shows the locker's status, i.e. the page has its link to main and main has answered. */
  linked: boolean;
  /** The address bar still carries `#token=` (false once the page has taken it; the token itself is never read out). */
  tokenInAddressBar: boolean;
}

export interface KioskBrowser {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The process as the supervisor sees it (`exited` settles on a spawn failure too, with its reason). */
  readonly run: Run;
  /** Loads `url` in the kiosk's one page (the token travels in the pipe, never in argv). */
  open(url: string): Promise<void>;
  /** Reads what the page shows; rejects when there is no page or the pipe is gone. */
  probe(): Promise<PageProbe>;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
}

/** How long a probe waits for the page's answer, ms. */
const PROBE_TIMEOUT_MS = 2_000;

const PROBE = `JSON.stringify({
  attract: document.getElementById('attract-title') !== null,
  linked: document.querySelector('[data-testid="hardware-status"]') !== null && document.querySelector('[data-testid="link-status"]') === null,
  tokenInAddressBar: location.hash.includes('token='),
})`;

export interface LaunchOptions {
  executable: string;
  userDataDir: string;
  extraArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /**
   * The kiosk's page died while Chromium lives on: its renderer crashed or was killed ("Aw, snap" would stay on
   * screen for good), or the page was closed. The launcher loads the kiosk page again (red-team finding 1).
   */
  onPageGone?: (why: string) => void;
}

/**
 * Starts Chromium in kiosk mode on `about:blank` with a CDP pipe. Its stdout/stderr go to `log` line by line.
 * A missing or non-executable binary does not throw: `run.exited` settles with the reason (the supervisor's limit
 * then applies).
 */
export function launchKioskChromium(opts: LaunchOptions): KioskBrowser {
  const child = spawn(opts.executable, kioskChromiumArgs(opts.userDataDir, opts.extraArgs), {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  const run = runOfChild(child, opts.executable);
  const exited = run.exited.then(() => undefined);
  for (const s of [child.stdout, child.stderr]) s?.on('data', (c: Buffer) => c.toString().split('\n').filter(Boolean).forEach((l) => opts.log(`chromium: ${l}`)));
  const cdp = new CdpPipe(child.stdio[3] as Writable, child.stdio[4] as Readable);
  void exited.then(() => cdp.close('chromium exited'));
  let session: string | null = null;
  let pageTarget: string | null = null;

  async function pageSession(): Promise<string> {
    if (session) return session;
    // Target events (crashed, destroyed) for every target, so a page that dies is noticed even between calls.
    await cdp.send('Target.setDiscoverTargets', { discover: true });
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string }> };
    let targetId = targetInfos.find((t) => t.type === 'page')?.targetId;
    targetId ??= ((await cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string }).targetId;
    const attached = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    session = attached.sessionId;
    pageTarget = targetId;
    // Inspector.targetCrashed on the page's own session: the renderer process died under the page.
    await cdp.send('Inspector.enable', {}, session).catch(() => undefined);
    return session;
  }
  // Chromium may report one crash twice (on the page's session and at browser level): act once per load.
  let crashSeen = false;
  const gone = (why: string): void => {
    if (crashSeen) return;
    crashSeen = true;
    opts.log(`supervisor: the kiosk page ${why}: loading it again`);
    opts.onPageGone?.(why);
  };
  cdp.onEvent((method, params, sessionId) => {
    if (method === 'Inspector.targetCrashed' && sessionId !== undefined && sessionId === session) gone('crashed (renderer gone)');
    else if (method === 'Target.targetCrashed' && params.targetId === pageTarget) gone('crashed (renderer gone)');
    else if (method === 'Target.targetDestroyed' && params.targetId === pageTarget) {
      // Closed: the next use attaches to (or creates) a page again.
      session = null;
      pageTarget = null;
      gone('was closed');
    } else if (method === 'Target.detachedFromTarget' && params.sessionId === session) session = null;
  });

  return {
    child,
    pid: child.pid ?? -1,
    run,
    exited,
    async open(url) {
      const s = await pageSession();
      const r = await cdp.send('Page.navigate', { url }, s);
      crashSeen = false;
      if (typeof r.errorText === 'string') throw new Error(`chromium could not load the kiosk page: ${r.errorText}`);
    },
    async probe() {
      const s = await pageSession();
      // A page whose renderer just died may never answer: give up after a while instead of hanging the caller.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const silent = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CdpError('Runtime.evaluate', `no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      });
      const r = (await Promise.race([cdp.send('Runtime.evaluate', { expression: PROBE, returnByValue: true }, s), silent]).finally(() => clearTimeout(timer))) as {
        result?: { value?: string };
      };
      return JSON.parse(r.result?.value ?? '{}') as PageProbe;
    },
  };
}
