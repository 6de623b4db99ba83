import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src-main/config';
import { createDoorController, loadLayout } from '../../src-main/hardware/index';
import { FAST, quietLog, recorder, waitFor } from './helpers';

/**
 * As a technician runs it: `npm run board-sim -- --family cu12 --pty …` (a real child process that makes its own socat
 * pair) on one end, the kiosk's door layer built from `--board-family cu12 --board-transport <the kiosk side>` on the
 * other, through the real serialport binding. The simulator is driven by typing into its stdin.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-cu12-cli-'));
let child: ChildProcessWithoutNullStreams | null = null;

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM'); // by its own pid: it stops its socat with it
    await exited;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('board-sim --family cu12 on a pty, the kiosk on the other end', () => {
  it('the kiosk reads both boards, opens a door the simulator then reports open, and sees it closed when typed', async () => {
    const board = path.join(tmp, 'ttyBOARD');
    child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'src-main/hardware/sim/cli.ts'), '--family', 'cu12', '--pty', board], {
      cwd: root,
      env: { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // Generous: a loaded machine takes a while to start tsx.
    await waitFor(() => /board-sim: cu12, .*, boards 0, 1 on /.test(out) || child!.exitCode !== null, 90_000, 'board-sim ready');
    const hint = /give the kiosk --board-family cu12 --board-transport (\S+)/.exec(out);
    expect(hint, out).not.toBeNull();

    // The kiosk's own path from flags to doors (core.ts does the same with config.board).
    const config = loadConfig(['--board-family', 'cu12', '--board-transport', hint![1]!], {});
    expect(config.layout).toBe('cu12-24');
    const { doors, simulator } = await createDoorController({
      family: config.board.family,
      transport: config.board.transport,
      baud: config.serial.baud,
      layout: loadLayout(config.layout),
      lockBitMeansClosed: config.serial.lockBitMeansClosed,
      itemSensors: config.serial.itemSensors,
      timing: FAST,
      log: quietLog,
      startupWaitMs: 10_000,
    });
    const rec = recorder(doors);
    try {
      expect(simulator).toBeNull(); // a real line, not the in-process simulator
      await waitFor(() => doors.boards().every((b) => b.online), 10_000, 'both boards online');
      await doors.unlock('A05');
      await waitFor(() => rec.of('opened', 'A05').length === 1, 10_000, 'A05 opened');
      const seen = out.length;
      child.stdin.write('state A05\n');
      await waitFor(() => out.slice(seen).includes('A05 OPEN'), 10_000, 'the simulator says A05 is open');
      child.stdin.write('item A05 on\nclose A05\n');
      await waitFor(() => rec.of('closed', 'A05').length === 1, 10_000, 'A05 closed');
      expect(doors.compartment('A05')).toEqual({ compartmentId: 'A05', door: 'closed', item: null });
      child.stdin.write('quiet 1\n');
      await waitFor(() => rec.of('board-offline').some((e) => 'board' in e && e.board === 1), 10_000, 'board 1 offline');
      expect(doors.compartment('A13').door).toBeNull();
      expect(rec.of('forced-open')).toEqual([]);
    } finally {
      await doors.close();
    }
  }, 150_000);
});
