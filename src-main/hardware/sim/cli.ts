/**
 * `npm run board-sim -- --pty <path> [--family cu16|cu12] [--layout <name|file>] [--baud 19200] [--open-bit] [--no-ir]`
 * Runs the board simulator on one end of a serial line (a socat pty, or a real USB-RS485 adapter looped to the
 * kiosk's), and reads commands from stdin so a person can close doors, put items in, or inject faults.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { SerialPort } from 'serialport';
import { CliError, parseFlags } from '../../../src-common/cli';
import { ConfigError } from '../../config-error';
import { Cu12Simulator } from '../cu12/sim';
import { BOARD_FAMILIES, DEFAULT_LAYOUT, assertLayoutFits, type BoardFamily } from '../family';
import { loadLayout } from '../layouts';
import { BoardSimulator } from './board-sim';
import { HELP, runCommand } from './commands';

const USAGE = [
  'usage: npm run board-sim -- --pty <path> [--family cu16|cu12] [--layout <name|file>] [--baud 19200] [--open-bit] [--no-ir]',
  'The family is the boards\' protocol (default cu16; cu12 has no IR, and its layout defaults to cu12-24).',
  'When <path> does not exist, a socat pty pair is made: the board on <path>, the kiosk side beside it',
  '(ttyBOARD → ttyKIOSK, else <path>-kiosk); give that to the kiosk as --serial-path.',
].join('\n');

/** A bad flag or value: one line, exit 2. */
function refuse(message: string): never {
  process.stderr.write(`board-sim: ${message}\n`);
  process.exit(2);
}

let values;
try {
  // --help → usage, exit 0; --open-bit / --no-ir also as =true|false; a stray word or unknown flag → one line, exit 2.
  values = parseFlags(
    process.argv.slice(2),
    {
      pty: { type: 'string' },
      family: { type: 'string', default: 'cu16' },
      layout: { type: 'string' },
      baud: { type: 'string', default: '19200' },
      'open-bit': { type: 'boolean', default: false },
      'no-ir': { type: 'boolean', default: false },
    },
    USAGE,
  );
} catch (err) {
  if (!(err instanceof CliError) || err.exitCode !== 0) refuse((err as Error).message.split('\n')[0]!);
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const ptyPath = values.pty;
if (!ptyPath) refuse('--pty <path> is required (see --help)');
const baud = Number(values.baud);
if (![9600, 19200, 38400, 57600, 115200].includes(baud)) refuse(`--baud must be 9600, 19200, 38400, 57600 or 115200, got ${values.baud}`);
if (!(BOARD_FAMILIES as readonly string[]).includes(values.family!)) refuse(`--family must be ${BOARD_FAMILIES.join(' or ')}, got ${values.family}`);
const family = values.family as BoardFamily;
let layout;
try {
  layout = loadLayout(values.layout ?? DEFAULT_LAYOUT[family]);
  assertLayoutFits(layout, family);
} catch (err) {
  if (err instanceof ConfigError) refuse(err.message);
  throw err;
}
if (!fs.existsSync(ptyPath)) await makePtyPair(ptyPath);

/**
 * The README's `--pty /tmp/ttyBOARD` works on a machine with nothing set up: socat makes the pair and is stopped
 * with us. Returns the socat process; refuses in one line when socat is missing.
 */
async function makePtyPair(boardPath: string): Promise<ChildProcess> {
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).error) refuse(`${boardPath} does not exist and socat is not installed (apt-get install socat)`);
  const base = path.basename(boardPath);
  const kioskPath = path.join(path.dirname(boardPath), /BOARD/.test(base) ? base.replace(/BOARD/, 'KIOSK') : `${base}-kiosk`);
  const child = spawn('socat', [`pty,raw,echo=0,link=${boardPath}`, `pty,raw,echo=0,link=${kioskPath}`], { stdio: 'ignore' });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => (child.kill(), process.exit(0)));
  process.on('exit', () => child.kill());
  for (let i = 0; i < 200 && !(fs.existsSync(boardPath) && fs.existsSync(kioskPath)); i++) await new Promise((r) => setTimeout(r, 25));
  if (!fs.existsSync(boardPath)) refuse(`socat could not make ${boardPath}`);
  const flags = family === 'cu16' ? `--protocol kerong-cu16 --serial-path ${kioskPath}` : `--board-family ${family} --board-transport ${kioskPath}`;
  process.stdout.write(`board-sim: made a pty pair; give the kiosk ${flags}\n`);
  return child;
}
const sim = new (family === 'cu12' ? Cu12Simulator : BoardSimulator)({
  layout,
  // --open-bit: the wiring where a set lock bit means "open" (lockBitMeansClosed = false on the kiosk).
  lockBitMeansClosed: !values['open-bit'],
  itemSensors: !values['no-ir'],
});
const port = new SerialPort({ path: ptyPath, baudRate: baud, autoOpen: false });
port.open((err) => {
  if (err) {
    refuse(`cannot open ${ptyPath}: ${err.message}`);
  }
  sim.attach(port);
  process.stdout.write(`board-sim: ${family}, ${layout.name}, boards ${sim.boardIds().join(', ')} on ${ptyPath}. Type "help".\n`);
});
port.on('error', (err) => process.stderr.write(`board-sim: ${err.message}\n`));
port.on('close', () => {
  process.stdout.write('board-sim: port closed\n');
  process.exit(0);
});

const ids = layout.compartments.map((c) => c.id);
const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
rl.on('line', (line) => {
  try {
    const out = runCommand(sim, line, ids);
    if (out) process.stdout.write(out + '\n');
  } catch (err) {
    process.stdout.write(`error: ${(err as Error).message}\n${HELP.split('\n')[0]} type "help"\n`);
  }
});
// Ctrl-D at a terminal quits; a closed pipe (run in the background) does not.
rl.on('close', () => {
  if (process.stdin.isTTY) process.exit(0);
});
