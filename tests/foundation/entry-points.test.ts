import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Every entry point answers `--help` with its usage (exit 0) and a bad flag, value or busy port with exactly one
 * line (exit 2), never a Node stack (issue 10 §5). Each is run as a person runs it: a real child process.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const env = { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, KIOSK_LOG_LEVEL: 'warn' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-entry-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ENTRY = {
  kiosk: path.join(root, 'src-main', 'host', 'main.ts'),
  server: path.join(root, 'src-server', 'main.ts'),
  'board-sim': path.join(root, 'src-main', 'hardware', 'sim', 'cli.ts'),
  'pin-hash': path.join(root, 'scripts', 'pin-hash.ts'),
  // npm run kiosk (the launcher: host mode + Chromium under its supervisor) and npm run bench, from source.
  launcher: path.join(root, 'src-main', 'deploy', 'main.ts'),
  bench: path.join(root, 'bench', 'run-all.ts'),
} as const;

function run(entry: keyof typeof ENTRY, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, [ENTRY[entry], ...args], { cwd: root, env, encoding: 'utf8', timeout: 300_000, input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, no stack frames, exit 2. */
function expectOneLine(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.status).toBe(2);
}

/** Holds a loopback port, as another program would. */
async function busyPort(): Promise<{ port: number; close(): void }> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { port: (s.address() as net.AddressInfo).port, close: () => s.close() };
}

describe('every entry point answers in one line', () => {
  it.each(Object.keys(ENTRY) as (keyof typeof ENTRY)[])('%s --help prints its usage and exits 0', (entry) => {
    const r = run(entry, ['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm (start|run [\w-]+) --/);
    expect(r.stderr).toBe('');
  });

  it.each([
    ['kiosk', ['--bogus'], /^kiosk: unknown option --bogus$/],
    ['kiosk', ['--layout', 'nonexistent'], /^kiosk: layout "nonexistent" not found/],
    ['kiosk', ['--protocol', 'kerong-cu16'], /^kiosk: invalid configuration: serial\.path: required when serial\.protocol is kerong-cu16/],
    ['kiosk', ['--board-family', 'cu99'], /^kiosk: invalid configuration: board\.family: /],
    ['server', ['--bogus'], /^fleet server: Unknown option '--bogus'/],
    ['server', ['--port', 'eighty'], /^fleet server: --port must be 0-65535/],
    ['board-sim', ['--bogus'], /^board-sim: Unknown option '--bogus'/],
    ['board-sim', [], /^board-sim: --pty <path> is required/],
    ['board-sim', ['--pty', path.join(tmp, 'ttyX'), '--layout', 'nonexistent'], /^board-sim: layout "nonexistent" not found/],
    ['board-sim', ['--pty', path.join(tmp, 'ttyX'), '--family', 'cu99'], /^board-sim: --family must be cu16 or cu12, got cu99$/],
    ['board-sim', ['--pty', path.join(tmp, 'ttyX'), '--family', 'cu12', '--layout', 'demo-24'], /^board-sim: layout .*: compartment A13 is on lock 12, but a Kerong CU12 board/],
    ['pin-hash', ['12'], /^pin-hash: expected one PIN of 4 to 12 digits/],
    // Red-team finding 8: a boolean flag took the next word silently (`--serial.itemSensors no` was true), and a
    // stray word was accepted. Booleans are --x, --no-x, --x=true|false; anything else is one line.
    ['kiosk', ['--serial.itemSensors', 'no'], /^kiosk: --serial\.itemSensors takes no separate value \("no"\); use --serial\.itemSensors, --no-serial\.itemSensors, /],
    ['kiosk', ['--windowed', 'false'], /^kiosk: --windowed takes no separate value \("false"\)/],
    ['kiosk', ['--demo=maybe'], /^kiosk: --demo: "maybe" is not true or false/],
    ['kiosk', ['stray'], /^kiosk: unexpected argument "stray"/],
    ['server', ['--console', 'no'], /^fleet server: --console takes no separate value \("no"\)/],
    ['server', ['stray'], /^fleet server: unexpected argument "stray"/],
    ['server', ['restore-mark', 'stray'], /^restore-mark: unexpected argument "stray"/],
    ['server', ['create-admin', '--email', 'a@example.com', '--password-stdin', 'no'], /^create-admin: --password-stdin takes no separate value/],
    ['board-sim', ['--pty', path.join(tmp, 'ttyX'), '--open-bit', 'no'], /^board-sim: --open-bit takes no separate value/],
    ['launcher', ['--bogus'], /^kiosk: Unknown option '--bogus'/],
    ['launcher', ['--no-browser', 'stray'], /^kiosk: --no-browser takes no separate value \("stray"\)/],
    ['launcher', ['--browser-only', '--no-browser'], /^kiosk: --browser-only and --no-browser leave nothing to run/],
    // The kiosk's own options after `--` are judged before anything starts (not a child restarted to its limit).
    ['launcher', ['--no-browser', '--', '--windowed', 'no'], /^kiosk: --windowed takes no separate value/],
    ['bench', ['--bogus'], /^bench: unknown option --bogus/],
    ['bench', ['no-such-bench'], /^bench: no bench named like "no-such-bench"/],
  ] as const)('%s %j → one line, exit 2', (entry, args, pattern) => {
    expectOneLine(run(entry, [...args, ...(entry === 'kiosk' ? ['--data-dir', path.join(tmp, 'k')] : [])]), pattern);
  });

  it.each([
    ['server', ['restore-mark', '--help'], /^usage: npm run server -- restore-mark /],
    ['server', ['create-admin', '--help'], /^usage: npm run server -- create-admin /],
    ['launcher', ['--no-browser', '--', '--help'], /^usage: npm start -- /],
  ] as const)('%s %j prints that command\'s usage and exits 0', (entry, args, pattern) => {
    const r = run(entry, [...args]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(pattern);
    expect(r.stderr).toBe('');
  });

  it('a bench script answers --help and a value that is not a number in one line', () => {
    const bench = (args: string[]) => spawnSync(tsx, [path.join(root, 'bench', 'startup.ts'), ...args], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    const help = bench(['--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: npx tsx bench\/startup\.ts \[--rounds 5\]/);
    expectOneLine(bench(['--rounds', 'many']), /^bench\/startup\.ts: --rounds must be a whole number, got "many"$/);
  });

  // Red team 14: bench/history.ts ignored --help and started its 1M seed; core-codes and door-latency did the same.
  const benches = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts') && !f.startsWith('_') && f !== 'run-all.ts');
  it.each(benches)('bench/%s answers --help with its usage and exits 0, without running', (file) => {
    const r = spawnSync(tsx, [path.join(root, 'bench', file), '--help'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: npx tsx bench/${file.replace('.', '\\.')}`));
  });

  describe('a data dir that cannot be one: one line naming the path, exit 2, never a stack or a hang (red-team finding 7)', () => {
    const file = path.join(tmp, 'plain-file');
    fs.writeFileSync(file, 'not a directory');
    // /proc/foo: Node's recursive mkdir spun there forever; the spawn's timeout is only a hang guard (status null).
    const cases: Array<[string, string, RegExp]> = [
      ['a regular file', file, new RegExp(`${file} is a file, not a directory$`)],
      ['below a regular file', path.join(file, 'sub'), /a path component is a file, not a directory$/],
      ['under /proc', '/proc/lk-no-such-dir', /\/proc\/lk-no-such-dir: cannot create \/proc\/lk-no-such-dir \(ENOENT/],
    ];
    it.each(cases)('%s', (_what, dir, pattern) => {
      const prefixed = (prefix: string) => new RegExp(`^${prefix}${pattern.source}`);
      expectOneLine(run('kiosk', ['--data-dir', dir]), prefixed('kiosk: data dir .*'));
      expectOneLine(run('launcher', ['--data-dir', dir, '--no-browser']), prefixed('kiosk: data dir .*'));
      expectOneLine(run('server', ['--data-dir', dir, '--port', '0']), prefixed('fleet server: --data-dir .*'));
      expectOneLine(run('server', ['restore-mark', '--data-dir', dir]), prefixed('restore-mark: --data-dir .*'));
      expectOneLine(run('server', ['create-admin', '--email', 'a@example.com', '--data-dir', dir]), prefixed('create-admin: --data-dir .*'));
    }, 600_000);

    it.runIf(process.getuid?.() !== 0)('a directory this user cannot write (mode 0500)', () => {
      const ro = path.join(tmp, 'read-only');
      fs.mkdirSync(ro, { mode: 0o500 });
      expectOneLine(run('kiosk', ['--data-dir', ro]), /^kiosk: data dir .*read-only: not writable \(EACCES/);
      expectOneLine(run('server', ['--data-dir', ro, '--port', '0']), /^fleet server: --data-dir .*read-only: not writable \(EACCES/);
    }, 300_000);
  });

  it('the kiosk and the fleet server on a busy port say so in one line and exit 2', async () => {
    const busy = await busyPort();
    try {
      const kiosk = run('kiosk', ['--host-port', String(busy.port), '--data-dir', path.join(tmp, 'kb')]);
      expectOneLine(kiosk, /^kiosk: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
      // Red-team finding 8: the demo block (with the operator's password and the badges) came before this error.
      // It comes only once the kiosk listens: a failed start prints no secret at all.
      expect(kiosk.stdout).not.toMatch(/password|badge|operator console/);
      expectOneLine(run('server', ['--port', String(busy.port), '--data-dir', path.join(tmp, 'sb')]), /^fleet server: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
    } finally {
      busy.close();
    }
  }, 90_000);

  it('board-sim --pty on a path that does not exist makes the pty pair itself and says where the kiosk side is', async () => {
    const board = path.join(tmp, 'ttyBOARD');
    const child = spawn(tsx, [ENTRY['board-sim'], '--pty', board], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      // Waits on the simulator's ready line (state), with a generous deadline for a loaded machine.
      for (const deadline = Date.now() + 60_000; !/board-sim: .*, boards \d/.test(out); ) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`board-sim did not come up: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const kioskSide = path.join(tmp, 'ttyKIOSK');
      expect(out).toContain(`--serial-path ${kioskSide}`);
      expect(fs.existsSync(kioskSide)).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 90_000);
});
