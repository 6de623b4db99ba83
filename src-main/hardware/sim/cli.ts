/**
 * `npm run board-sim -- --pty <path> --layout <name|file> [--baud 19200] [--open-bit]`
 * Runs the board simulator on one end of a serial line (a socat pty, or a real USB-RS485 adapter looped to the
 * kiosk's), and reads commands from stdin so a person can close doors, put items in, or inject faults.
 */
import readline from 'node:readline';
import { SerialPort } from 'serialport';
import { loadLayout } from '../layouts';
import { BoardSimulator } from './board-sim';
import { HELP, runCommand } from './commands';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ptyPath = arg('--pty');
if (!ptyPath) {
  process.stderr.write('usage: npm run board-sim -- --pty <path> --layout <name|file> [--baud 19200] [--open-bit] [--no-ir]\n');
  process.exit(2);
}
const layout = loadLayout(arg('--layout') ?? 'demo-24');
const sim = new BoardSimulator({
  layout,
  // --open-bit: the wiring where a set lock bit means "open" (lockBitMeansClosed = false on the kiosk).
  lockBitMeansClosed: !process.argv.includes('--open-bit'),
  itemSensors: !process.argv.includes('--no-ir'),
});
const port = new SerialPort({ path: ptyPath, baudRate: Number(arg('--baud') ?? 19200), autoOpen: false });
port.open((err) => {
  if (err) {
    process.stderr.write(`board-sim: cannot open ${ptyPath}: ${err.message}\n`);
    process.exit(1);
  }
  sim.attach(port);
  process.stdout.write(`board-sim: ${layout.name}, boards ${sim.boardIds().join(', ')} on ${ptyPath}. Type "help".\n`);
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
