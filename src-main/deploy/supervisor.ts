import type { ChildProcess } from 'node:child_process';

/**
 * How a run ended: its exit code or signal, or `error` when it never started (spawn failed: a missing or
 * non-executable binary), in which case code and signal are null.
 */
export interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
}

/** One run of a supervised process: its pid (-1 when it never started) and a promise of how it ended. */
export interface Run {
  pid: number;
  /** Always settles: on exit, or on a spawn error (Node then emits 'error' and never 'exit'). */
  exited: Promise<RunEnd>;
  /** Asks it to stop (SIGTERM); the supervisor waits on `exited`. */
  kill(signal?: NodeJS.Signals): void;
}

export interface SupervisorOptions {
  /** For log lines: "kiosk", "chromium". */
  name: string;
  /** Starts one run. A throw counts as a run that died at once. */
  launch: () => Run;
  /** First wait before a relaunch, ms; doubles after each run that died young, up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A run that lasted this long was healthy: the next relaunch waits only `minDelayMs` again. */
  healthyAfterMs?: number;
  /** Give up after more than `burst` launches within `intervalMs` (systemd's StartLimitBurst/StartLimitIntervalSec). */
  burst?: number;
  intervalMs?: number;
  log: (line: string) => void;
  /** Called once when the limit is hit; the launcher exits non-zero so the service manager or a person takes over. */
  onGiveUp: (reason: string) => void;
  /** Called after each launch with the new run (e.g. hand the page its token). */
  onLaunch?: (run: Run) => void;
}

/** Why a spawn failed, naming the binary: "/usr/bin/chromium: no such file (ENOENT)". */
export function spawnFailure(err: NodeJS.ErrnoException, file: string): string {
  const what = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'not executable' : err.message;
  return `${file}: ${what}${err.code ? ` (${err.code})` : ''}`;
}

/**
 * A spawned child as a Run. `exited` settles on 'exit', and also on a spawn 'error' (ENOENT, EACCES), after which
 * Node never emits 'exit': without that a missing binary left the supervisor waiting forever (red-team finding 4).
 */
export function runOfChild(child: ChildProcess, file: string): Run {
  return {
    pid: child.pid ?? -1,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err) => {
        // 'error' also reports a failed kill or IPC send on a live child: only a child that never started has ended.
        if (child.pid === undefined) resolve({ code: null, signal: null, error: spawnFailure(err, file) });
      });
    }),
    kill: (signal = 'SIGTERM') => void child.kill(signal),
  };
}

/**
 * The kiosk's own small supervisor (issue 10 §2): relaunches a process whenever it dies, waiting longer after each
 * quick death (exponential backoff from `minDelayMs` to `maxDelayMs`, back to the minimum after a healthy run), and
 * gives up past a restart limit instead of looping forever on a fault a relaunch cannot fix (a full disk, a missing
 * binary). Times are the monotonic clock (`performance.now()`), so a wall-clock correction changes nothing.
 */
export class Supervisor {
  private current: Run | null = null;
  private readonly launches: number[] = [];
  private delay: number;
  private stopping = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The last start failure's text: the same one again is not logged again (one line per cause, not per try). */
  private lastFailure: string | null = null;
  private gaveUp = false;
  /** How the last run ended ("exit 1", "SIGKILL", a start failure), named in the give-up line. */
  private lastEnd: string | null = null;
  private readonly o: Required<Omit<SupervisorOptions, 'onLaunch'>> & Pick<SupervisorOptions, 'onLaunch'>;

  constructor(opts: SupervisorOptions) {
    this.o = { minDelayMs: 500, maxDelayMs: 10_000, healthyAfterMs: 30_000, burst: 10, intervalMs: 120_000, ...opts };
    this.delay = this.o.minDelayMs;
  }

  /** The live run, if any. */
  get run(): Run | null {
    return this.current;
  }

  start(): void {
    this.stopping = false;
    this.launch();
  }

  /** Stops relaunching and ends the live run (SIGTERM, then SIGKILL after `graceMs`). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const run = this.current;
    if (!run) return;
    run.kill('SIGTERM');
    const killer = setTimeout(() => run.kill('SIGKILL'), graceMs);
    await run.exited;
    clearTimeout(killer);
  }

  private launch(): void {
    const now = performance.now();
    while (this.launches.length && now - this.launches[0]! > this.o.intervalMs) this.launches.shift();
    if (this.launches.length >= this.o.burst) {
      if (this.gaveUp) return;
      this.gaveUp = true;
      const cause = this.lastEnd ? ` (last: ${this.lastEnd})` : '';
      const reason = `${this.o.name} restarted ${this.launches.length} times within ${Math.round(this.o.intervalMs / 1000)} s${cause}: giving up`;
      // Logged here only: onGiveUp ends the launcher and must not repeat the line.
      this.o.log(`supervisor: ${reason}`);
      this.stopping = true;
      this.o.onGiveUp(reason);
      return;
    }
    this.launches.push(now);
    let run: Run;
    try {
      run = this.o.launch();
    } catch (err) {
      this.startFailed((err as Error).message);
      return;
    }
    this.current = run;
    // pid -1: the spawn failed; its `exited` brings the reason right after.
    if (run.pid >= 0) {
      this.o.log(`supervisor: ${this.o.name} started (pid ${run.pid})`);
      this.o.onLaunch?.(run);
    }
    void run.exited.then(({ code, signal, error }) => {
      if (this.current === run) this.current = null;
      if (error !== undefined) return this.startFailed(error);
      this.lastFailure = null;
      this.lastEnd = signal ?? `exit ${code}`;
      if (this.stopping) return;
      this.o.log(`supervisor: ${this.o.name} (pid ${run.pid}) ended (${signal ?? `exit ${code}`}): relaunching`);
      this.scheduleRelaunch(performance.now() - now);
    });
  }

  /** A launch that never ran: counts against the limit like a quick death; one line per distinct cause. */
  private startFailed(why: string): void {
    if (this.stopping) return;
    if (why !== this.lastFailure) this.o.log(`supervisor: ${this.o.name} could not start: ${why}`);
    this.lastFailure = why;
    this.lastEnd = why;
    this.scheduleRelaunch(0);
  }

  private scheduleRelaunch(ranMs: number): void {
    if (this.stopping) return;
    if (ranMs >= this.o.healthyAfterMs) this.delay = this.o.minDelayMs;
    const wait = this.delay;
    this.delay = Math.min(this.o.maxDelayMs, this.delay * 2);
    this.timer = setTimeout(() => this.launch(), wait);
  }
}
