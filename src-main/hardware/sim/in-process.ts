import { linkFromDuplex, streamPair, type Transport } from '../transport';
import type { BoardSimulator } from './board-sim';

/**
 * A Transport whose "serial line" is an in-memory pair with the simulator on the far end: the demo's bus. Each open
 * makes a fresh pair (as reopening a tty does); while the simulator is unplugged, opening fails like a missing device.
 */
export function simulatorTransport(sim: BoardSimulator): Transport {
  return {
    path: 'sim://in-process',
    async open(events) {
      if (!sim.plugged) throw Object.assign(new Error('ENOENT: simulated adapter unplugged'), { code: 'ENOENT' });
      const [kiosk, board] = streamPair();
      sim.attach(board);
      return linkFromDuplex(kiosk, events);
    },
  };
}
