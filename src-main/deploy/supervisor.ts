/** One run of a supervised process: its pid and a promise of how it ended. */
export interface Run {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
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
      const reason = `${this.o.name} restarted ${this.launches.length} times within ${Math.round(this.o.intervalMs / 1000)} s: giving up`;
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
      this.o.log(`supervisor: ${this.o.name} could not start: ${(err as Error).message}`);
      this.scheduleRelaunch(0);
      return;
    }
    this.current = run;
    this.o.log(`supervisor: ${this.o.name} started (pid ${run.pid})`);
    this.o.onLaunch?.(run);
    void run.exited.then(({ code, signal }) => {
      if (this.current === run) this.current = null;
      if (this.stopping) return;
      this.o.log(`supervisor: ${this.o.name} (pid ${run.pid}) ended (${signal ?? `exit ${code}`}): relaunching`);
      this.scheduleRelaunch(performance.now() - now);
    });
  }

  private scheduleRelaunch(ranMs: number): void {
    if (this.stopping) return;
    if (ranMs >= this.o.healthyAfterMs) this.delay = this.o.minDelayMs;
    const wait = this.delay;
    this.delay = Math.min(this.o.maxDelayMs, this.delay * 2);
    this.timer = setTimeout(() => this.launch(), wait);
  }
}
