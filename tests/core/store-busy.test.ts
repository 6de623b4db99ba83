import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { depositParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

/**
 * Issue 9 §4: another process holding the SQLite write lock used to block the whole main process 5.3 s
 * (busy_timeout = 5000: polling, API and door tracking stop) and then answer INTERNAL to right and wrong codes alike.
 * Now: a short busy timeout, an asynchronous retry in the dispatcher, and the right answer once the lock goes.
 */
const root = path.resolve(import.meta.dirname, '..', '..');

/** Another process (not a connection of ours) that holds `BEGIN IMMEDIATE` on `file` until told to commit. */
class LockHolder {
  private readonly child: ChildProcess;
  private out = '';
  constructor(file: string) {
    const script = `
      const Database = require('module').createRequire(${JSON.stringify(path.join(root, 'package.json'))})('better-sqlite3');
      const db = new Database(${JSON.stringify(file)});
      db.pragma('busy_timeout = 2000');
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('held\\n');
      process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); });`;
    this.child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
  }
  async until(word: string): Promise<void> {
    while (!this.out.includes(word)) {
      if (this.child.exitCode !== null && !this.out.includes(word)) throw new Error(`lock holder exited ${this.child.exitCode}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  async release(): Promise<void> {
    this.child.stdin!.write('go\n');
    await this.until('released');
  }
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * The event loop's longest stall over `ticks` short timers (ms): a kiosk whose loop blocks on the database shows
 * it here as one huge gap, whatever else the machine is doing.
 */
async function longestStall(ticks: number): Promise<number> {
  let worst = 0;
  for (let i = 0; i < ticks; i++) {
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 10));
    worst = Math.max(worst, performance.now() - t0 - 10);
  }
  return worst;
}

let k: TestKiosk;
let holder: LockHolder | undefined;
afterEach(async () => {
  holder?.kill();
  await k?.close();
});

describe('another process holds the database write lock', () => {
  it('the event loop keeps running while a pickup waits; after release the right code opens and a wrong one is CODE_INVALID', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A02', { code: '424242' });
    holder = new LockHolder(path.join(k.dir, 'kiosk.db'));
    await holder.until('held');

    let settled = false;
    const right = k.call('pickupSubmitCode', { code: '424242' }).finally(() => (settled = true));
    const wrong = k.call('pickupSubmitCode', { code: '999999' });
    // While the lock is held: the loop stalls at most a short busy timeout at a time (old: one 5 s stall), the door
    // engine and timers keep running, and the call is still waiting (not failed fast, not answered INTERNAL).
    const stall = await longestStall(8);
    expect(stall).toBeLessThan(250);
    expect(settled).toBe(false);
    await holder.release();

    const r = await right;
    expect(r.error?.code ?? 'ok').toBe('ok');
    await waitOp(k, r.value.operationId, ['opened']);
    expect(k.sim.door('A02').open).toBe(true);
    const w = await wrong;
    expect(w.error?.code).toBe('CODE_INVALID');
  });

  it('a lock held past the retry bound ends in STORE_BUSY (the screen says "busy, try again"), never INTERNAL', async () => {
    k = await makeKiosk();
    depositParcel(k, 'A03', { code: '515151' });
    holder = new LockHolder(path.join(k.dir, 'kiosk.db'));
    await holder.until('held');
    const r = await k.call('pickupSubmitCode', { code: '515151' });
    expect(r.error?.code).toBe('STORE_BUSY');
    expect(k.sim.door('A03').open).toBe(false);
    await holder.release();
    const again = await k.call('pickupSubmitCode', { code: '515151' });
    expect(again.ok).toBe(true);
  }, 20_000);
});
