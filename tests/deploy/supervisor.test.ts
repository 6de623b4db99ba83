import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchKioskChromium } from '../../src-main/deploy/chromium';
import { Supervisor, type Run } from '../../src-main/deploy/supervisor';

/** A real child process that lives until killed (or exits at once with `code`). */
function nodeRun(code: number | null = null): Run {
  const script = code === null ? 'setInterval(() => {}, 1000)' : `process.exit(${code})`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return {
    pid: child.pid!,
    exited: new Promise((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s }))),
    kill: (s = 'SIGTERM') => void child.kill(s),
  };
}

/** Waits until `check` holds (state, not time), failing after `ms`. */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const running: Supervisor[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

describe('the launcher\'s supervisor (issue 10 §2)', () => {
  it('relaunches a process killed with SIGKILL, as a new process', async () => {
    const lines: string[] = [];
    const sup = new Supervisor({ name: 'kiosk', launch: () => nodeRun(), log: (l) => lines.push(l), onGiveUp: () => undefined, minDelayMs: 50 });
    running.push(sup);
    sup.start();
    await until(() => sup.run !== null);
    const first = sup.run!.pid;
    process.kill(first, 'SIGKILL');
    await until(() => sup.run !== null && sup.run.pid !== first);
    expect(lines.some((l) => l.includes(`kiosk (pid ${first}) ended (SIGKILL): relaunching`))).toBe(true);
  });

  it('a process that dies at once is relaunched with growing waits, then given up past the limit', async () => {
    const starts: number[] = [];
    let gaveUp = '';
    const sup = new Supervisor({
      name: 'chromium',
      launch: () => {
        starts.push(performance.now());
        return nodeRun(3);
      },
      log: () => undefined,
      onGiveUp: (why) => (gaveUp = why),
      minDelayMs: 20,
      maxDelayMs: 200,
      burst: 5,
      intervalMs: 60_000,
    });
    running.push(sup);
    sup.start();
    await until(() => gaveUp !== '');
    expect(starts).toHaveLength(5);
    expect(gaveUp).toBe('chromium restarted 5 times within 60 s (last: exit 3): giving up');
    // Each wait at least doubles until the cap: 20, 40, 80, 160 ms (plus the run itself).
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    [20, 40, 80, 160].forEach((min, i) => expect(gaps[i]).toBeGreaterThanOrEqual(min));
  });

  // Red-team finding 4: a missing binary made spawn emit 'error' and never 'exit', so the supervisor waited forever.
  it('a binary that does not exist: one line naming it, the limit applies, given up once', async () => {
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-nochromium-'));
    const sup = new Supervisor({
      name: 'chromium',
      launch: () => launchKioskChromium({ executable: '/nonexistent/chromium', userDataDir: profile, log: (l) => lines.push(l) }).run,
      log: (l) => lines.push(l),
      onGiveUp: (why) => gaveUp.push(why),
      minDelayMs: 10,
      maxDelayMs: 40,
      burst: 4,
    });
    running.push(sup);
    sup.start();
    await until(() => gaveUp.length > 0);
    expect(lines.filter((l) => l.includes('could not start'))).toEqual(['supervisor: chromium could not start: /nonexistent/chromium: no such file (ENOENT)']);
    expect(lines.filter((l) => l.includes('giving up'))).toEqual([`supervisor: ${gaveUp[0]}`]);
    expect(gaveUp[0]).toMatch(/chromium restarted 4 times within 120 s \(last: \/nonexistent\/chromium: no such file \(ENOENT\)\): giving up/);
    fs.rmSync(profile, { recursive: true, force: true });
  });

  it('a binary that exits at once (/bin/false): relaunched up to the limit, given up once', async () => {
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const sup = new Supervisor({
      name: 'chromium',
      launch: () => launchKioskChromium({ executable: '/bin/false', userDataDir: os.tmpdir(), log: () => undefined }).run,
      log: (l) => lines.push(l),
      onGiveUp: (why) => gaveUp.push(why),
      minDelayMs: 10,
      maxDelayMs: 40,
      burst: 3,
    });
    running.push(sup);
    sup.start();
    await until(() => gaveUp.length > 0);
    expect(lines.filter((l) => l.includes('started (pid'))).toHaveLength(3);
    expect(lines.filter((l) => l.includes('giving up'))).toHaveLength(1);
    expect(gaveUp).toEqual(['chromium restarted 3 times within 120 s (last: exit 1): giving up']);
  });

  it('stop() ends the live run and relaunches nothing', async () => {
    let launches = 0;
    const sup = new Supervisor({ name: 'kiosk', launch: () => (launches++, nodeRun()), log: () => undefined, onGiveUp: () => undefined, minDelayMs: 10 });
    sup.start();
    await until(() => sup.run !== null);
    const run = sup.run!;
    await sup.stop();
    expect((await run.exited).signal).toBe('SIGTERM');
    await new Promise((r) => setTimeout(r, 100)); // a relaunch would have happened by now (10 ms backoff)
    expect(launches).toBe(1);
  });
});
