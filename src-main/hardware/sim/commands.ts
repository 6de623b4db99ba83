import type { BoardSimulator } from './board-sim';

/**
 * The simulator's little command language, for a person doing manual QA at a terminal (`npm run board-sim`).
 * Returns the text to print. Kept apart from the CLI so it can be tested without a terminal.
 */
export const HELP = `commands:
  open <id>            force a door open (no unlock: the kiosk should report forced-open)
  close <id>           close a door (as the person at the locker does)
  item <id> on|off     put an item in / take it out
  jam <id> | unjam <id>  the lock ignores unlock commands / works again
  quiet <board> [on|off] the board stops answering (default on)
  corrupt <board> on|off replies carry a wrong checksum
  garbage <board> <n>  n noise bytes before every reply
  delay <board> <ms>   reply this late
  clear                remove every fault
  state [id]           show doors, items, jams
  unplug | plug        cut the bus cable (nothing heard, nothing answered) / mend it.
                       To make the kiosk's own serial device vanish, stop socat instead.
  help`;

export function runCommand(sim: BoardSimulator, line: string, ids: readonly string[]): string {
  const [cmd, a, b] = line.trim().split(/\s+/);
  const on = (v: string | undefined, dflt: boolean) => (v === undefined ? dflt : v === 'on' || v === '1' || v === 'true');
  const board = (v: string | undefined) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`"${v ?? ''}" is not a board number`);
    return n;
  };
  const id = (v: string | undefined) => {
    if (!v) throw new Error('which compartment? e.g. A01');
    return v.toUpperCase();
  };
  switch (cmd) {
    case undefined:
    case '':
      return '';
    case 'open':
      sim.openDoor(id(a));
      return `${id(a)} open`;
    case 'close':
      sim.closeDoor(id(a));
      return `${id(a)} closed`;
    case 'item':
      sim.setItem(id(a), on(b, true));
      return `${id(a)} item ${on(b, true) ? 'present' : 'absent'}`;
    case 'jam':
      sim.jam(id(a));
      return `${id(a)} jammed`;
    case 'unjam':
      sim.unjam(id(a));
      return `${id(a)} works again`;
    case 'quiet':
      sim.setFaults(board(a), { silent: on(b, true) });
      return `board ${a} ${on(b, true) ? 'silent' : 'answering'}`;
    case 'corrupt':
      sim.setFaults(board(a), { corruptChecksum: on(b, true) });
      return `board ${a} checksum ${on(b, true) ? 'corrupted' : 'good'}`;
    case 'garbage':
      sim.setFaults(board(a), { garbageBytes: Number(b ?? 0) });
      return `board ${a}: ${Number(b ?? 0)} noise bytes before replies`;
    case 'delay':
      sim.setFaults(board(a), { delayMs: Number(b ?? 0) });
      return `board ${a}: replies ${Number(b ?? 0)} ms late`;
    case 'unplug':
      sim.cutBus(true);
      return 'bus cut: the boards hear nothing and say nothing';
    case 'plug':
      sim.cutBus(false);
      return 'bus mended';
    case 'clear':
      sim.clearFaults();
      return 'all faults cleared';
    case 'state':
      return (a ? [id(a)] : ids)
        .map((c) => {
          const d = sim.door(c);
          return `${c} ${d.open ? 'OPEN  ' : 'closed'} ${d.item ? 'item' : '    '}${d.jammed ? ' JAMMED' : ''}`;
        })
        .join('\n');
    case 'help':
      return HELP;
    default:
      return `unknown command "${cmd}"\n${HELP}`;
  }
}
