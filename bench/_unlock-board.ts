/**
 * The lock board for bench/core-unlock.ts, in its own process as a real board is its own device: the CU16 simulator
 * on the board end of a socat pty (real serialport binding), or holding a pty's master itself (`fd:4`, from
 * bench/_pty-pair.py). Its parse of a frame therefore never waits for the
 * kiosk's event loop (an in-process board would only read the unlock frame after the kiosk's next synchronous
 * SQLite commit, and the bench would time that commit too).
 *   fork('bench/_unlock-board.ts', [<board pty path>, <layout name>])  (over IPC; `_` files are helpers, not run by npm run bench)
 * Sends the parent { ready: true } once the port is open, then { unlock: <ns>, board, lock } for every unlock frame
 * parsed, <ns> being process.hrtime.bigint() (CLOCK_MONOTONIC, the same clock in every process on the machine) as a
 * string. Takes { command: '<board-sim command>' } messages (e.g. "close A01", "item A01 on", "quiet 1 on").
 */
import { Duplex } from 'node:stream';
import tty from 'node:tty';
import { SerialPort } from 'serialport';
import { CMD } from '../src-main/hardware/kerong/frame';
import { loadLayout } from '../src-main/hardware/layouts';
import { BoardSimulator } from '../src-main/hardware/sim/board-sim';
import { runCommand } from '../src-main/hardware/sim/commands';

const [ptyPath, layoutName] = process.argv.slice(2);
if (!ptyPath || !layoutName || !process.send) {
  process.stderr.write('bench/_unlock-board.ts: run by bench/core-unlock.ts (fork with IPC, <pty> <layout>)\n');
  process.exit(2);
}
const send = process.send.bind(process);
const layout = loadLayout(layoutName);
const sim = new BoardSimulator({ layout });
const ids = layout.compartments.map((c) => c.id);

sim.observe((frame, at) => {
  if (frame.kind === 'command' && frame.cmd === CMD.unlock) send({ unlock: at.toString(), board: frame.board, lock: frame.lock });
});

/** `fd:4`: the pty's master handed over by bench/_pty-pair.py (no socat); otherwise a path the serial binding opens. */
const port: Duplex =
  ptyPath === 'fd:4'
    ? Duplex.from({ readable: new tty.ReadStream(4), writable: new tty.WriteStream(4) })
    : new SerialPort({ path: ptyPath, baudRate: 19200, autoOpen: false });
port.on('error', (err: Error) => process.stderr.write(`bench board: ${err.message}\n`));
const opened = (err: Error | null) => {
  if (err) {
    process.stderr.write(`bench board: cannot open ${ptyPath}: ${err.message}\n`);
    process.exit(1);
  }
  sim.attach(port);
  send({ ready: true });
};
if (port instanceof SerialPort) port.open(opened);
else opened(null);

process.on('message', (m: { command?: string }) => {
  if (typeof m.command === 'string') send({ done: runCommand(sim, m.command, ids) });
});
process.on('disconnect', () => (port instanceof SerialPort ? port.close(() => process.exit(0)) : process.exit(0)));
